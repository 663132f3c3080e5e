//! The WGSL kernels and their compute pipelines.
//!
//! Every kernel file is compiled together with `common.wgsl` (parameters, step scalars, summary
//! layout, the bit-operation rounder) and one of two fp16 rounders: the emulation, or the adapter's
//! native `f16` conversion where it offers `shader-f16` and passes the context's self-check.
//! [`sources`] gives the exact modules the pipelines compile, so the tests validate those.

use wgpu::util::DeviceExt;

use crate::train::Precision;

const COMMON: &str = include_str!("shaders/common.wgsl");
const F16_EMULATED: &str = include_str!("shaders/f16_emulated.wgsl");
const F16_NATIVE: &str = include_str!("shaders/f16_native.wgsl");

/// The kernel files, by name.
pub const KERNEL_FILES: [(&str, &str); 7] = [
    ("round", include_str!("shaders/round.wgsl")),
    ("elementwise", include_str!("shaders/elementwise.wgsl")),
    ("matmul", include_str!("shaders/matmul.wgsl")),
    ("loss", include_str!("shaders/loss.wgsl")),
    ("reduce", include_str!("shaders/reduce.wgsl")),
    ("optim", include_str!("shaders/optim.wgsl")),
    ("blocks", include_str!("shaders/blocks.wgsl")),
];

/// The WGSL module a kernel file compiles to: `enable f16;` (native variant), the common part, the
/// fp16 rounder, the kernel.
pub fn module_source(kernel: &str, native_f16: bool) -> String {
    let (header, f16) = if native_f16 {
        ("enable f16;\n", F16_NATIVE)
    } else {
        ("", F16_EMULATED)
    };
    format!("{header}{COMMON}\n{f16}\n{kernel}")
}

/// Every module the pipelines compile: (kernel file, native f16?, source).
pub fn sources() -> Vec<(&'static str, bool, String)> {
    KERNEL_FILES
        .iter()
        .flat_map(|&(name, src)| {
            [false, true].map(|native| (name, native, module_source(src, native)))
        })
        .collect()
}

/// Rows and columns of C one tiled GEMM workgroup computes (`matmul.wgsl`'s TILE); a direct GEMM
/// workgroup computes 64 outputs.
const GEMM_TILE: u32 = 32;
const GEMM_DIRECT_GROUP: u32 = 64;
/// Most workgroups a tiled statistics dispatch uses (each adds its counts to the summary once).
const STATS_GROUPS: u32 = 32;

/// The shader's code for a trainer format (`common.wgsl`'s `spec`).
pub fn format_code(p: Precision) -> u32 {
    match p {
        Precision::F32 => 0,
        Precision::F16 => 1,
        Precision::Bf16 => 2,
        Precision::E4m3 => 3,
        Precision::E5m2 => 4,
        Precision::E2m1 => 5,
    }
}

/// The per-dispatch parameters (`common.wgsl`'s `Params`); each kernel documents its fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Params {
    pub n: u32,
    pub rows: u32,
    pub inner: u32,
    pub cols: u32,
    pub fmt: u32,
    pub fmt2: u32,
    pub mode: u32,
    pub slot: u32,
}

/// The compiled pipelines.
pub struct Kernels {
    /// Which variant: tiled GEMM and per-workgroup reductions (for GPUs), or barrier-free kernels
    /// (for software adapters, where a barrier serializes the workgroup).
    pub(crate) tiled: bool,
    pub(crate) round: wgpu::ComputePipeline,
    pub(crate) cast: wgpu::ComputePipeline,
    pub(crate) quantize: wgpu::ComputePipeline,
    pub(crate) act_forward: wgpu::ComputePipeline,
    pub(crate) act_backward: wgpu::ComputePipeline,
    pub(crate) unscale: wgpu::ComputePipeline,
    pub(crate) matmul: wgpu::ComputePipeline,
    pub(crate) loss: wgpu::ComputePipeline,
    pub(crate) bias_grad: wgpu::ComputePipeline,
    pub(crate) stats: wgpu::ComputePipeline,
    pub(crate) sgd: wgpu::ComputePipeline,
    pub(crate) adam: wgpu::ComputePipeline,
    pub(crate) amax: wgpu::ComputePipeline,
    pub(crate) current_scale: wgpu::ComputePipeline,
    pub(crate) tensor_scale: wgpu::ComputePipeline,
    pub(crate) block_quantize: wgpu::ComputePipeline,
    pub(crate) hadamard: wgpu::ComputePipeline,
    pub(crate) block_errors: wgpu::ComputePipeline,
}

impl Kernels {
    /// Compiles every kernel, with the native fp16 conversion or the emulation, tiled (GPUs) or
    /// direct (software adapters).
    pub fn new(device: &wgpu::Device, native_f16: bool, tiled: bool) -> Kernels {
        let module = |name: &str| {
            let (_, src) = KERNEL_FILES
                .iter()
                .find(|(n, _)| *n == name)
                .expect("a known kernel file");
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(module_source(src, native_f16).into()),
            })
        };
        let pipeline = |module: &wgpu::ShaderModule, entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let (round, elementwise, matmul, loss, reduce, optim, blocks) = (
            module("round"),
            module("elementwise"),
            module("matmul"),
            module("loss"),
            module("reduce"),
            module("optim"),
            module("blocks"),
        );
        let pick = |tiled_entry: &'static str, direct_entry: &'static str| {
            if tiled {
                tiled_entry
            } else {
                direct_entry
            }
        };
        Kernels {
            tiled,
            round: pipeline(&round, "round_values"),
            cast: pipeline(&elementwise, "cast_values"),
            quantize: pipeline(&elementwise, pick("quantize", "quantize_direct")),
            act_forward: pipeline(&elementwise, "act_forward"),
            act_backward: pipeline(&elementwise, "act_backward"),
            unscale: pipeline(&elementwise, "unscale"),
            matmul: pipeline(&matmul, pick("matmul", "matmul_direct")),
            loss: pipeline(&loss, "loss"),
            bias_grad: pipeline(&reduce, "bias_grad"),
            stats: pipeline(&reduce, pick("stats", "stats_direct")),
            sgd: pipeline(&optim, pick("sgd", "sgd_direct")),
            adam: pipeline(&optim, pick("adam", "adam_direct")),
            amax: pipeline(&blocks, "amax"),
            current_scale: pipeline(&blocks, "current_scale"),
            tensor_scale: pipeline(&blocks, "tensor_scale"),
            block_quantize: pipeline(&blocks, "block_quantize"),
            hadamard: pipeline(&blocks, "hadamard"),
            block_errors: pipeline(&blocks, "block_errors"),
        }
    }

    /// Workgroups of a GEMM whose output is `rows x cols`: tiled, (along columns, along rows);
    /// direct, 64 outputs each along the row-major output (in rows of 65535 groups).
    pub fn gemm_workgroups(&self, rows: u32, cols: u32) -> (u32, u32) {
        if self.tiled {
            (cols.div_ceil(GEMM_TILE), rows.div_ceil(GEMM_TILE))
        } else {
            let groups = (rows * cols).div_ceil(GEMM_DIRECT_GROUP);
            (groups.min(65_535), groups.div_ceil(65_535))
        }
    }

    /// Workgroups of the statistics kernel over `n` values.
    pub fn stats_workgroups(&self, n: u32) -> u32 {
        if self.tiled {
            n.div_ceil(256).clamp(1, STATS_GROUPS)
        } else {
            n.div_ceil(64).max(1)
        }
    }

    /// A bind group for `pipeline` with the given (binding, buffer) pairs.
    pub(crate) fn bind(
        &self,
        device: &wgpu::Device,
        pipeline: &wgpu::ComputePipeline,
        entries: &[(u32, &wgpu::Buffer)],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry> = entries
            .iter()
            .map(|&(binding, buffer)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        })
    }
}

/// A storage buffer of `len` 32-bit words (at least one), zeroed.
pub(crate) fn storage(device: &wgpu::Device, label: &str, len: usize) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: 4 * len.max(1) as u64,
        usage: wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_SRC
            | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// A buffer to read `len` words back into.
pub(crate) fn staging(device: &wgpu::Device, label: &str, len: usize) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: 4 * len.max(1) as u64,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// A uniform buffer holding one dispatch's parameters.
pub(crate) fn params_buffer(device: &wgpu::Device, params: Params) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("params"),
        contents: bytemuck::bytes_of(&params),
        usage: wgpu::BufferUsages::UNIFORM,
    })
}

/// Inputs for the native-fp16 self-check: around every fp16 rounding boundary that a conversion
/// could get wrong (ties in the normal and subnormal range, the subnormal/normal border, underflow to
/// zero, the top of the range), both signs.
pub fn f16_probe() -> Vec<u32> {
    let mut probe = Vec::new();
    // Exact fp16 values and the f32 values around the midpoints between neighbours, over the whole
    // positive range, sampled every 7th code to keep the check quick.
    for code in (0u32..0x7c00).step_by(7) {
        let value = half::f16::from_bits(code as u16).to_f32();
        let next = half::f16::from_bits(code as u16 + 1).to_f32();
        let mid = ((f64::from(value) + f64::from(next)) / 2.0) as f32;
        for x in [
            value,
            mid,
            f32::from_bits(mid.to_bits() - 1),
            f32::from_bits(mid.to_bits() + 1),
        ] {
            probe.push(x.to_bits());
            probe.push((-x).to_bits());
        }
    }
    probe.extend([
        0x3380_0000,
        0x3300_0000,
        0x3300_0001,
        0x477f_efff,
        0x477f_f000,
    ]);
    probe
}
