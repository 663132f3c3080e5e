//! The trainer's GPU backend: the passes of one training step as WGSL compute shaders, run through
//! `wgpu` (the browser's WebGPU in the site, Vulkan natively, where Mesa's lavapipe serves machines
//! without a GPU).
//!
//! Owns the GPU context ([`GpuContext`]: device, queue, compiled kernels, what the adapter offers), the
//! kernels (`kernels`: WGSL sources and their pipelines; `layout`: the slots and codes host and
//! kernels share) and the per-run device state (`run`: [`GpuLane`], the buffers of one run's
//! network; `record`: one step's command list, recorded once). It does not own the
//! training loop's decisions: the batches, the loss scaler and the fp8 scale history stay in
//! [`crate::train::Run`], which a [`GpuLane`] drives through `Run::begin_step` / `Run::end_step`, so
//! the CPU backend (`train::cpu`) and this one share every scalar decision and the CPU is the reference
//! the kernels are tested against. It does not know about Leptos: the trainer view decides when to
//! step and what to show.
//!
//! Both builds compile it: the browser build with only wgpu's WebGPU backend, the native build with
//! Vulkan for `cargo test` and the benchmark. It is outside the pure core (`formats`, `train`, ...),
//! which the layer test keeps free of `wgpu`.

pub mod kernels;
pub mod layout;
mod record;
pub mod run;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

pub use kernels::{format_code, Kernels};
pub use run::{GpuLane, GpuSession};

/// What the adapter is, for the view (like `torch.cuda.get_device_name()` and
/// `torch.cuda.is_bf16_supported()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name as the driver reports it (browsers may leave it empty for privacy).
    pub name: String,
    /// The wgpu backend behind it (`BrowserWebGpu`, `Vulkan`, ...).
    pub backend: String,
    /// A software adapter (a CPU implementation such as SwiftShader or lavapipe, or the browser's
    /// fallback adapter): its timings are not GPU timings.
    pub software: bool,
    /// Whether the adapter offers `shader-f16` (native f16 arithmetic in WGSL).
    pub shader_f16: bool,
    /// Whether the kernels round to fp16 with the native conversion: only if `shader_f16` and the
    /// conversion matched the bit-operation rounder on the self-check.
    pub native_f16: bool,
    /// Whether the kernels are the tiled ones (workgroup memory, per-workgroup reductions) or the
    /// barrier-free ones (chosen for software adapters).
    pub tiled: bool,
}

impl AdapterSummary {
    /// One line for the view: "SwiftShader (BrowserWebGpu, software adapter), shader-f16: no".
    pub fn describe(&self) -> String {
        let name = if self.name.trim().is_empty() {
            "unnamed adapter"
        } else {
            self.name.trim()
        };
        let kind = if self.software {
            ", software adapter"
        } else {
            ""
        };
        let f16 = match (self.shader_f16, self.native_f16) {
            (false, _) => "no",
            (true, true) => "yes, used for fp16 rounding",
            (true, false) => "yes, not used (its conversion did not match round-to-nearest-even)",
        };
        let kernels = if self.tiled {
            "tiled kernels"
        } else {
            "barrier-free kernels"
        };
        format!(
            "{name} ({}{kind}), shader-f16: {f16}, {kernels}",
            self.backend
        )
    }
}

/// Why there is no GPU context; the view shows it and runs on the CPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// The browser has no `navigator.gpu` (no WebGPU, or it is switched off).
    NoWebGpu,
    /// WebGPU (or Vulkan natively) exists but gave no adapter; wgpu's own message (shown by the tests' skip line).
    NoAdapter(String),
    /// The adapter refused a device.
    NoDevice(String),
    /// The device was created but the kernels failed to build or to run a first time.
    Broken(String),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::NoWebGpu => {
                f.write_str("this browser has no WebGPU (navigator.gpu is missing)")
            }
            Unavailable::NoAdapter(_) => f.write_str(
                "WebGPU found no adapter (no usable GPU, or WebGPU is switched off for it here)",
            ),
            Unavailable::NoDevice(e) => write!(f, "the GPU adapter refused a device: {e}"),
            Unavailable::Broken(e) => write!(f, "the GPU kernels failed: {e}"),
        }
    }
}

/// A GPU failure during a run (device lost, validation or out-of-memory error, a failed readback).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuError(pub String);

impl std::fmt::Display for GpuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The device, its queue and the compiled kernels: created once per page (or test) and shared by
/// every run.
pub struct GpuContext {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) kernels: Kernels,
    adapter: AdapterSummary,
    /// The first uncaptured error or device loss, reported by wgpu's callbacks.
    failure: Arc<Mutex<Option<String>>>,
}

impl GpuContext {
    /// Asks for an adapter and a device, compiles the kernels (tiled on a GPU, barrier-free on a
    /// software adapter), and (where the adapter offers `shader-f16`) checks the native fp16
    /// conversion against the bit-operation rounder.
    pub async fn new() -> Result<GpuContext, Unavailable> {
        Self::with_kernels(None).await
    }

    /// [`GpuContext::new`] with the kernel variant chosen: `Some(true)` tiled, `Some(false)`
    /// barrier-free, `None` by adapter (the tests run both variants on one adapter).
    pub async fn with_kernels(tiled: Option<bool>) -> Result<GpuContext, Unavailable> {
        #[cfg(target_arch = "wasm32")]
        if !browser_has_webgpu() {
            return Err(Unavailable::NoWebGpu);
        }
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
        descriptor.backends = if cfg!(target_arch = "wasm32") {
            wgpu::Backends::BROWSER_WEBGPU
        } else {
            wgpu::Backends::VULKAN
        };
        let instance = wgpu::Instance::new(descriptor);
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                ..Default::default()
            })
            .await
            .map_err(|e| Unavailable::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        #[cfg(target_arch = "wasm32")]
        let info = wgpu::AdapterInfo {
            name: if info.name.trim().is_empty() {
                browser_adapter_name().await.unwrap_or_default()
            } else {
                info.name
            },
            ..info
        };
        let shader_f16 = adapter.features().contains(wgpu::Features::SHADER_F16);
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("precision-lab trainer"),
                required_features: if shader_f16 {
                    wgpu::Features::SHADER_F16
                } else {
                    wgpu::Features::empty()
                },
                required_limits: wgpu::Limits::default(),
                ..Default::default()
            })
            .await
            .map_err(|e| Unavailable::NoDevice(e.to_string()))?;
        let failure = Arc::new(Mutex::new(None));
        let on_error = Arc::clone(&failure);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            record_failure(&on_error, format!("GPU error: {e}"));
        }));
        let on_lost = Arc::clone(&failure);
        device.set_device_lost_callback(move |reason, message| {
            record_failure(&on_lost, format!("GPU device lost ({reason:?}): {message}"));
        });
        let software = info.device_type == wgpu::DeviceType::Cpu;
        let tiled = tiled.unwrap_or(!software);
        let kernels = Kernels::new(&device, false, tiled);
        let mut context = GpuContext {
            device,
            queue,
            kernels,
            adapter: AdapterSummary {
                name: info.name,
                backend: format!("{:?}", info.backend),
                software,
                shader_f16,
                native_f16: false,
                tiled,
            },
            failure,
        };
        // A first run of the rounding kernel proves the device works end to end.
        let probe = kernels::f16_probe();
        let emulated = context
            .round_bits(&probe, format_code(crate::train::Precision::F16), false)
            .await
            .map_err(|e| Unavailable::Broken(e.0))?;
        if shader_f16 {
            let native = Kernels::new(&context.device, true, tiled);
            let got = context
                .round_with(
                    &native,
                    &probe,
                    format_code(crate::train::Precision::F16),
                    false,
                )
                .await
                .map_err(|e| Unavailable::Broken(e.0))?;
            if got == emulated {
                context.kernels = native;
                context.adapter.native_f16 = true;
            }
        }
        Ok(context)
    }

    /// Destroys the device, as a driver reset or a lost GPU would: every later GPU call fails.
    /// For the fallback tests.
    pub fn lose_device(&self) {
        self.device.destroy();
    }

    /// What the adapter is and offers.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// The first GPU failure reported so far, if any.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    /// Rounds f32 values (given as bits) into a trainer format on the GPU with the context's kernels:
    /// `fmt` from [`format_code`], `saturate` for the fp8 `satfinite` rule. For tests and the
    /// self-check; up to 2^22 values.
    pub async fn round_bits(
        &self,
        bits: &[u32],
        fmt: u32,
        saturate: bool,
    ) -> Result<Vec<u32>, GpuError> {
        self.round_with(&self.kernels, bits, fmt, saturate).await
    }

    /// The device (to compile another set of [`Kernels`], as the tests do).
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// [`GpuContext::round_bits`] with a given set of kernels (the native-f16 or emulated variant).
    pub async fn round_with(
        &self,
        kernels: &Kernels,
        bits: &[u32],
        fmt: u32,
        saturate: bool,
    ) -> Result<Vec<u32>, GpuError> {
        use wgpu::util::DeviceExt;
        let n = u32::try_from(bits.len())
            .ok()
            .filter(|&n| n > 0 && n <= 1 << 22)
            .ok_or_else(|| GpuError(format!("cannot round {} values at once", bits.len())))?;
        let input = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("round input"),
                contents: bytemuck::cast_slice(bits),
                usage: wgpu::BufferUsages::STORAGE,
            });
        let output = kernels::storage(&self.device, "round output", bits.len());
        let params = kernels::params_buffer(
            &self.device,
            kernels::Params {
                n,
                fmt,
                mode: u32::from(saturate),
                ..Default::default()
            },
        );
        let group = kernels.bind(
            &self.device,
            &kernels.round,
            &[(0, &params), (2, &input), (4, &output)],
        );
        let staging = kernels::staging(&self.device, "round readback", bits.len());
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&kernels.round);
            pass.set_bind_group(0, &group, &[]);
            let groups = n.div_ceil(64);
            pass.dispatch_workgroups(groups.min(65_535), groups.div_ceil(65_535), 1);
        }
        encoder.copy_buffer_to_buffer(&output, 0, &staging, 0, Some(4 * u64::from(n)));
        self.queue.submit([encoder.finish()]);
        let bytes = self.read(&staging).await?;
        Ok(bytes_as_words(&bytes))
    }

    /// A `rows x cols` operand quantized by the training step's block kernels, for tests: `mode`
    /// is `block_quantize`'s (`layout::BLOCK_*`: NVFP4, columns or tiles, stochastic); `seed` the
    /// stochastic seed; `tensor_scale` NVFP4's fp32 scale (its amax reduced on the GPU); `signs`:
    /// the random Hadamard transform first, with these signs. Returns the operand in the GEMM's
    /// domain and, last, `S_enc`.
    pub async fn quantize_blocks(
        &self,
        values: &[f32],
        (rows, cols): (usize, usize),
        (mode, seed): (u32, u64),
        tensor_scale: bool,
        signs: Option<u16>,
    ) -> Result<Vec<f32>, GpuError> {
        use layout::*;
        use wgpu::util::DeviceExt;
        if values.len() != rows * cols || values.is_empty() {
            return Err(GpuError("values must fill rows x cols".into()));
        }
        let device = &self.device;
        let input = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("blocks input"),
            contents: bytemuck::cast_slice(values),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let mut words = vec![0.0f32; STEP_WORDS];
        for part in 0..4 {
            words[STEP_SEEDS + part] = ((seed >> (16 * part)) & 0xffff) as f32;
        }
        words[STEP_ENC] = 1.0;
        let scalars = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("blocks scalars"),
            contents: bytemuck::cast_slice(&words),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        });
        let summary = kernels::storage(device, "blocks summary", BLOCK_WORDS);
        let output = kernels::storage(device, "blocks output", values.len());
        let (spare, spare2) = (
            kernels::storage(device, "unused", 1),
            kernels::storage(device, "unused", 1),
        );
        let k = &self.kernels;
        let blocks = block_count(rows, cols, mode);
        let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        let mut dispatches = Vec::new();
        let transformed = kernels::storage(device, "transformed", values.len());
        let hadamard_params = kernels::params_buffer(
            device,
            kernels::Params {
                rows: n(rows),
                cols: n(cols),
                slot: u32::from(signs.unwrap_or(0)),
                ..Default::default()
            },
        );
        let input = if signs.is_some() {
            dispatches.push((
                &k.hadamard,
                k.bind(
                    device,
                    &k.hadamard,
                    &[(0, &hadamard_params), (2, &input), (4, &transformed)],
                ),
                n(rows.div_ceil(16) * cols).div_ceil(64),
            ));
            &transformed
        } else {
            &input
        };
        if mode & BLOCK_NVFP4 != 0 && tensor_scale {
            let p = |params| kernels::params_buffer(device, params);
            let amax = p(kernels::Params {
                n: n(values.len()),
                slot: n(BLOCK_AMAX),
                ..Default::default()
            });
            let scale = p(kernels::Params {
                slot: n(BLOCK_AMAX),
                inner: n(STEP_ENC),
                ..Default::default()
            });
            dispatches.push((
                &k.amax,
                k.bind(device, &k.amax, &[(0, &amax), (2, input), (6, &summary)]),
                n(values.len()).div_ceil(64),
            ));
            dispatches.push((
                &k.tensor_scale,
                k.bind(
                    device,
                    &k.tensor_scale,
                    &[(0, &scale), (1, &scalars), (6, &summary)],
                ),
                1,
            ));
        }
        let params = kernels::params_buffer(
            device,
            kernels::Params {
                n: n(blocks),
                rows: n(rows),
                cols: n(cols),
                inner: n(STEP_ENC),
                fmt: n(STEP_SEEDS),
                mode,
                ..Default::default()
            },
        );
        let entries = [
            (0, &params),
            (1, &scalars),
            (2, input),
            (4, &output),
            (5, &spare),
            (6, &summary),
            (9, &spare2),
        ];
        dispatches.push((
            &k.block_quantize,
            k.bind(device, &k.block_quantize, &entries),
            n(blocks).div_ceil(64),
        ));
        let staging = kernels::staging(device, "blocks readback", values.len() + 1);
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            for (pipeline, group, groups) in &dispatches {
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, group, &[]);
                pass.dispatch_workgroups(*groups, 1, 1);
            }
        }
        let bytes = 4 * values.len() as u64;
        encoder.copy_buffer_to_buffer(&output, 0, &staging, 0, Some(bytes));
        encoder.copy_buffer_to_buffer(&scalars, 4 * STEP_ENC as u64, &staging, bytes, Some(4));
        self.queue.submit([encoder.finish()]);
        let words = bytes_as_words(&self.read(&staging).await?);
        Ok(words.into_iter().map(f32::from_bits).collect())
    }

    /// C (m x n) = op(A) . op(B) (+ bias per column) through the training step's GEMM kernel, f32
    /// out, for tests: `dims` = [m, k, n]; `mode` 0: A is m x k, B is k x n; 1: A is stored k x m
    /// and transposed; 2: B is stored n x k and transposed.
    pub async fn gemm(
        &self,
        a: &[f32],
        b: &[f32],
        bias: Option<&[f32]>,
        dims: [usize; 3],
        mode: u32,
    ) -> Result<Vec<f32>, GpuError> {
        use wgpu::util::DeviceExt;
        let [m, k, n] = dims;
        if bias.is_some_and(|b| b.len() != n) {
            return Err(GpuError("the bias needs one value per column".into()));
        }
        let dims32 = |x: usize| u32::try_from(x).map_err(|_| GpuError("too large".into()));
        let (m32, k32, n32) = (dims32(m)?, dims32(k)?, dims32(n)?);
        if a.len() != m * k || b.len() != k * n || mode > 2 {
            return Err(GpuError("GEMM operands do not match the dimensions".into()));
        }
        let upload = |data: &[f32]| {
            self.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("gemm operand"),
                    contents: bytemuck::cast_slice(data),
                    usage: wgpu::BufferUsages::STORAGE,
                })
        };
        let (a_buf, b_buf) = (upload(a), upload(b));
        let step = kernels::storage(&self.device, "step", 1);
        let bias_buf = upload(bias.unwrap_or(&[0.0]));
        let raw = kernels::storage(&self.device, "raw", 1);
        let out = kernels::storage(&self.device, "gemm output", m * n);
        let params = kernels::params_buffer(
            &self.device,
            kernels::Params {
                rows: m32,
                inner: k32,
                cols: n32,
                mode: mode | if bias.is_some() { 4 } else { 0 },
                ..Default::default()
            },
        );
        let k = &self.kernels;
        let group = k.bind(
            &self.device,
            &k.matmul,
            &[
                (0, &params),
                (1, &step),
                (2, &a_buf),
                (3, &b_buf),
                (4, &out),
                (5, &raw),
                (7, &bias_buf),
            ],
        );
        let staging = kernels::staging(&self.device, "gemm readback", m * n);
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&k.matmul);
            pass.set_bind_group(0, &group, &[]);
            let (x, y) = k.gemm_workgroups(m32, n32);
            pass.dispatch_workgroups(x, y, 1);
        }
        encoder.copy_buffer_to_buffer(&out, 0, &staging, 0, Some(4 * (m * n) as u64));
        self.queue.submit([encoder.finish()]);
        let words = bytes_as_words(&self.read(&staging).await?);
        Ok(words.into_iter().map(f32::from_bits).collect())
    }

    /// Reads a mapped-for-read buffer back without blocking the page: awaits the map in the browser,
    /// polls the device natively.
    pub(crate) async fn read(&self, staging: &wgpu::Buffer) -> Result<Vec<u8>, GpuError> {
        let state = Arc::new(Mutex::new(MapState::default()));
        let callback_state = Arc::clone(&state);
        staging
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                if let Ok(mut s) = callback_state.lock() {
                    s.result = Some(result.map_err(|e| e.to_string()));
                    if let Some(waker) = s.waker.take() {
                        waker.wake();
                    }
                }
            });
        #[cfg(not(target_arch = "wasm32"))]
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError(format!("GPU poll failed: {e}")))?;
        MapFuture(state)
            .await
            .map_err(|e| GpuError(format!("GPU readback failed: {e}")))?;
        if let Some(failure) = self.failure() {
            staging.unmap();
            return Err(GpuError(failure));
        }
        let bytes = staging
            .slice(..)
            .get_mapped_range()
            .map(|view| view.to_vec())
            .map_err(|e| GpuError(format!("GPU readback failed: {e:?}")));
        staging.unmap();
        bytes
    }
}

fn record_failure(slot: &Mutex<Option<String>>, message: String) {
    if let Ok(mut f) = slot.lock() {
        f.get_or_insert(message);
    }
}

#[derive(Default)]
struct MapState {
    result: Option<Result<(), String>>,
    waker: Option<Waker>,
}

/// Resolves when `map_async`'s callback has run.
struct MapFuture(Arc<Mutex<MapState>>);

impl Future for MapFuture {
    type Output = Result<(), String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Ok(mut state) = self.0.lock() else {
            return Poll::Ready(Err("readback state poisoned".into()));
        };
        match state.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The adapter's vendor and architecture as the browser reports them (`GPUAdapterInfo`), for when
/// wgpu's adapter name (the `description`, which browsers often leave empty) says nothing. Asks for
/// a second adapter handle; any failure gives `None`.
#[cfg(target_arch = "wasm32")]
async fn browser_adapter_name() -> Option<String> {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::JsCast;
    let navigator = web_sys::window()?.navigator();
    let gpu = Reflect::get(&navigator, &"gpu".into()).ok()?;
    let request: Function = Reflect::get(&gpu, &"requestAdapter".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let info = Reflect::get(&adapter, &"info".into()).ok()?;
    let field = |name: &str| {
        Reflect::get(&info, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|v| !v.is_empty())
    };
    let parts: Vec<String> = ["vendor", "architecture", "device"]
        .into_iter()
        .filter_map(field)
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(target_arch = "wasm32")]
fn browser_has_webgpu() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    js_sys::Reflect::get(&window.navigator(), &"gpu".into())
        .map(|gpu| !gpu.is_undefined() && !gpu.is_null())
        .unwrap_or(false)
}

pub(crate) fn bytes_as_words(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
