//! The built-in models, each from its published `config.json`, with the parameter count its
//! publisher gives (docs/sources.md, "Model presets"). Tests check that the architecture
//! reproduces every count exactly.

use super::arch::{
    ArchSpec, Architecture, Biases, Embeddings, Latent, Mlp, Moe, Norm, Positions, Window,
};

/// The built-in models. Ids are the URL values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    Qwen2_72b,
    Qwen25_7b,
    Mistral7b,
    Mixtral8x7b,
    Llama32_1b,
    Llama3_8b,
    Llama3_70b,
    Llama31_405b,
    Gemma2_9b,
    Phi3Mini,
    DeepSeekV3,
    Gpt2,
}

impl Preset {
    /// Every preset, in menu order.
    pub const ALL: [Preset; 12] = [
        Preset::Qwen2_72b,
        Preset::Qwen25_7b,
        Preset::Mistral7b,
        Preset::Mixtral8x7b,
        Preset::Llama32_1b,
        Preset::Llama3_8b,
        Preset::Llama3_70b,
        Preset::Llama31_405b,
        Preset::Gemma2_9b,
        Preset::Phi3Mini,
        Preset::DeepSeekV3,
        Preset::Gpt2,
    ];

    /// The URL id.
    pub fn id(self) -> &'static str {
        match self {
            Preset::Qwen2_72b => "qwen2-72b",
            Preset::Qwen25_7b => "qwen2.5-7b",
            Preset::Mistral7b => "mistral-7b",
            Preset::Mixtral8x7b => "mixtral-8x7b",
            Preset::Llama32_1b => "llama-3.2-1b",
            Preset::Llama3_8b => "llama-3-8b",
            Preset::Llama3_70b => "llama-3-70b",
            Preset::Llama31_405b => "llama-3.1-405b",
            Preset::Gemma2_9b => "gemma-2-9b",
            Preset::Phi3Mini => "phi-3-mini",
            Preset::DeepSeekV3 => "deepseek-v3",
            Preset::Gpt2 => "gpt2",
        }
    }

    /// Looks a preset up by URL id.
    pub fn from_id(id: &str) -> Option<Self> {
        Preset::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The ids, for a notice: "qwen2-72b, ... or gpt2".
    pub fn ids_text() -> String {
        let ids: Vec<&str> = Preset::ALL.iter().map(|p| p.id()).collect();
        let (last, rest) = ids.split_last().expect("presets exist");
        format!("{} or {last}", rest.join(", "))
    }

    /// The model's name as its publisher writes it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Qwen2_72b => "Qwen2-72B",
            Preset::Qwen25_7b => "Qwen2.5-7B",
            Preset::Mistral7b => "Mistral-7B-v0.1",
            Preset::Mixtral8x7b => "Mixtral-8x7B-v0.1",
            Preset::Llama32_1b => "Llama-3.2-1B",
            Preset::Llama3_8b => "Llama-3-8B",
            Preset::Llama3_70b => "Llama-3-70B",
            Preset::Llama31_405b => "Llama-3.1-405B",
            Preset::Gemma2_9b => "Gemma-2-9B",
            Preset::Phi3Mini => "Phi-3-mini-4k",
            Preset::DeepSeekV3 => "DeepSeek-V3",
            Preset::Gpt2 => "GPT-2 (small)",
        }
    }

    /// Where the configuration comes from (the model's published `config.json`).
    pub fn source(self) -> &'static str {
        match self {
            Preset::Qwen2_72b => "huggingface.co/Qwen/Qwen2-72B config.json",
            Preset::Qwen25_7b => "huggingface.co/Qwen/Qwen2.5-7B config.json",
            Preset::Mistral7b => "huggingface.co/mistralai/Mistral-7B-v0.1 config.json",
            Preset::Mixtral8x7b => "huggingface.co/mistralai/Mixtral-8x7B-v0.1 config.json",
            Preset::Llama32_1b => "huggingface.co/meta-llama/Llama-3.2-1B config.json",
            Preset::Llama3_8b => "huggingface.co/meta-llama/Meta-Llama-3-8B config.json",
            Preset::Llama3_70b => "huggingface.co/meta-llama/Meta-Llama-3-70B config.json",
            Preset::Llama31_405b => "huggingface.co/meta-llama/Llama-3.1-405B config.json",
            Preset::Gemma2_9b => "huggingface.co/google/gemma-2-9b config.json",
            Preset::Phi3Mini => "huggingface.co/microsoft/Phi-3-mini-4k-instruct config.json",
            Preset::DeepSeekV3 => "huggingface.co/deepseek-ai/DeepSeek-V3 config.json",
            Preset::Gpt2 => "huggingface.co/openai-community/gpt2 config.json",
        }
    }

    /// The published parameter count (docs/sources.md, "Model presets"); tests check that
    /// [`Architecture::param_count`] reproduces it exactly.
    pub fn published_params(self) -> u128 {
        match self {
            Preset::Qwen2_72b => 72_706_203_648,
            Preset::Qwen25_7b => 7_615_616_512,
            Preset::Mistral7b => 7_241_732_096,
            Preset::Mixtral8x7b => 46_702_792_704,
            Preset::Llama32_1b => 1_235_814_400,
            Preset::Llama3_8b => 8_030_261_248,
            Preset::Llama3_70b => 70_553_706_496,
            Preset::Llama31_405b => 405_853_388_800,
            Preset::Gemma2_9b => 9_241_705_984,
            Preset::Phi3Mini => 3_821_079_552,
            Preset::DeepSeekV3 => 671_026_419_200,
            Preset::Gpt2 => 124_439_808,
        }
    }

    /// The architecture, from the published configuration.
    pub fn architecture(self) -> Architecture {
        let llama_like = |layers, hidden, heads, kv_heads, ffn, vocab, max_context| ArchSpec {
            max_context: Some(max_context),
            ..ArchSpec::dense(layers, hidden, heads, kv_heads, ffn, vocab)
        };
        let spec = match self {
            Preset::Qwen2_72b => ArchSpec {
                biases: Biases::Qkv,
                ..llama_like(80, 8192, 64, 8, 29568, 152064, 32768)
            },
            Preset::Qwen25_7b => ArchSpec {
                biases: Biases::Qkv,
                ..llama_like(28, 3584, 28, 4, 18944, 152064, 131072)
            },
            // Every layer attends to the last 4096 tokens (`sliding_window`).
            Preset::Mistral7b => ArchSpec {
                window: Some(Window {
                    tokens: 4096,
                    global_layers: 0,
                }),
                ..llama_like(32, 4096, 32, 8, 14336, 32000, 32768)
            },
            Preset::Mixtral8x7b => ArchSpec {
                moe: Some(Moe {
                    experts: 8,
                    active: 2,
                    expert_ffn: 14336,
                    shared_ffn: 0,
                    shared_gate: false,
                    router_bias: false,
                    dense_layers: 0,
                }),
                ..llama_like(32, 4096, 32, 8, 14336, 32000, 32768)
            },
            Preset::Llama32_1b => ArchSpec {
                embeddings: Embeddings::Tied,
                ..llama_like(16, 2048, 32, 8, 8192, 128256, 131072)
            },
            Preset::Llama3_8b => llama_like(32, 4096, 32, 8, 14336, 128256, 8192),
            Preset::Llama3_70b => llama_like(80, 8192, 64, 8, 28672, 128256, 8192),
            Preset::Llama31_405b => llama_like(126, 16384, 128, 8, 53248, 128256, 131072),
            // Head size 256 (not hidden / heads = 224), four norms a block, every other layer
            // windowed at 4096 (`sliding_window`; transformers' Gemma2 layer types).
            Preset::Gemma2_9b => ArchSpec {
                head_dim: 256,
                embeddings: Embeddings::Tied,
                block_norms: 4,
                window: Some(Window {
                    tokens: 4096,
                    global_layers: 21,
                }),
                ..llama_like(42, 3584, 16, 8, 14336, 256000, 8192)
            },
            Preset::Phi3Mini => llama_like(32, 3072, 32, 32, 8192, 32064, 4096),
            // Multi-head latent attention; 256 routed experts (8 per token) and one shared one
            // of width 2048 after three dense layers; the main model without its multi-token
            // prediction module (the 14 B the Hub's 685 B adds).
            Preset::DeepSeekV3 => ArchSpec {
                head_dim: 192,
                latent: Some(Latent {
                    q_rank: 1536,
                    kv_rank: 512,
                    rope_dim: 64,
                    nope_dim: 128,
                    v_dim: 128,
                }),
                moe: Some(Moe {
                    experts: 256,
                    active: 8,
                    expert_ffn: 2048,
                    shared_ffn: 2048,
                    shared_gate: false,
                    router_bias: true,
                    dense_layers: 3,
                }),
                ..llama_like(61, 7168, 128, 128, 18432, 129280, 163840)
            },
            Preset::Gpt2 => ArchSpec {
                head_dim: 64,
                embeddings: Embeddings::Tied,
                biases: Biases::All,
                mlp: Mlp::Plain,
                norm: Norm::Layer,
                positions: Positions::Learned(1024),
                max_context: Some(1024),
                ..ArchSpec::dense(12, 768, 12, 12, 3072, 50257)
            },
        };
        Architecture::new(spec).expect("preset architectures are valid")
    }
}
