//! Which backend runs the steps: the one the reader asked for (`backend=`) and the one in use.

use crate::route::{Notice, Query};

use super::state::notice;

/// The backend that runs the steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// `crate::train::cpu`, in WebAssembly on the page's main thread, sliced.
    Cpu,
    /// `crate::gpu`: WGSL compute shaders through the browser's WebGPU.
    WebGpu,
}

impl BackendKind {
    /// The text of the `backend` readout.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::WebGpu => "webgpu",
        }
    }
}

/// Which backend the person asked for (`backend=` in the URL).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BackendChoice {
    /// WebGPU when the browser has a hardware adapter, else the CPU (the default). A software
    /// adapter (SwiftShader, lavapipe) is slower than the CPU backend on every network the view
    /// offers (see the README's benchmark), so it is not chosen by itself.
    #[default]
    Auto,
    /// WebGPU whenever there is an adapter, software ones included.
    WebGpu,
    /// Always the CPU (to compare speed, or to rule the GPU out).
    Cpu,
}

impl BackendChoice {
    pub const ALL: [BackendChoice; 3] = [
        BackendChoice::Auto,
        BackendChoice::WebGpu,
        BackendChoice::Cpu,
    ];

    /// The URL value.
    pub fn id(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::WebGpu => "webgpu",
            BackendChoice::Cpu => "cpu",
        }
    }

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            BackendChoice::Auto => "GPU if it is a hardware one",
            BackendChoice::WebGpu => "WebGPU, any adapter",
            BackendChoice::Cpu => "CPU only",
        }
    }

    /// Whether this choice runs on an adapter that is (or is not) a software one.
    pub fn accepts(self, software_adapter: bool) -> bool {
        match self {
            BackendChoice::Auto => !software_adapter,
            BackendChoice::WebGpu => true,
            BackendChoice::Cpu => false,
        }
    }

    /// Reads `backend=` from the URL; anything else than `auto`, `webgpu` or `cpu` is ignored with
    /// a notice.
    pub fn from_query(query: &Query) -> (BackendChoice, Option<Notice>) {
        match query
            .get("backend")
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None => (BackendChoice::Auto, None),
            Some(text) => match BackendChoice::ALL
                .into_iter()
                .find(|c| c.id().eq_ignore_ascii_case(text))
            {
                Some(choice) => (choice, None),
                None => (
                    BackendChoice::Auto,
                    Some(notice(
                        "backend",
                        text,
                        "use auto, webgpu or cpu; using auto",
                    )),
                ),
            },
        }
    }

    /// Writes the choice into `query` (nothing for the default).
    pub fn write(self, query: &mut Query) {
        match self {
            BackendChoice::Auto => query.remove("backend"),
            BackendChoice::WebGpu | BackendChoice::Cpu => query.set("backend", self.id()),
        }
    }
}
