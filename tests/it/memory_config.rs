//! A model's own `config.json` (issue 17): each family read from a published file, its exact
//! parameter count, and the KV-cache bytes per token worked by hand; hostile text refused with a
//! message. The files and where each comes from: `tests/it/configs/SOURCES.md`.

use precision_lab::memory::config::{import, MAX_CONFIG_BYTES};
use precision_lab::memory::dtype::KvFormat;
use precision_lab::memory::*;
use proptest::prelude::*;

fn config(name: &str) -> String {
    let path = format!(
        "{}/tests/it/configs/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// KV-cache bytes of one token in bf16 (context 1, batch 1, one GPU).
fn kv_per_token(a: Architecture) -> u128 {
    kv_at(a, 1)
}

fn kv_at(a: Architecture, context: u64) -> u128 {
    let mut inputs = Inputs {
        model: ModelChoice::Custom(a),
        ..Inputs::default()
    };
    inputs.inference.context = context;
    inputs.inference.batch = 1;
    inputs.inference.kv = KvFormat::Bf16;
    estimate(&inputs)
        .unwrap()
        .term("kv-cache")
        .unwrap()
        .per_device
        .get()
}

struct Case {
    file: &'static str,
    family: &'static str,
    total: u128,
    active: Option<u128>,
    /// Bytes per token in bf16, worked by hand in the comment.
    kv: u128,
}

#[test]
fn every_family_reads_to_its_published_count() {
    let cases = [
        // 32 layers x 2 (K, V) x 8 kv heads x 128 x 2 bytes.
        Case {
            file: "Mixtral-8x7B-v0.1",
            family: "mixtral",
            total: 46_702_792_704,
            active: Some(12_879_925_248),
            kv: 32 * 2 * 8 * 128 * 2,
        },
        // 61 layers x (512 latent + 64 rope key) x 2 bytes = 70,272.
        Case {
            file: "DeepSeek-V3",
            family: "deepseek_v3",
            total: 671_026_419_200,
            active: Some(37_552_297_472),
            kv: 61 * 576 * 2,
        },
        // 36 layers x 2 x 8 kv heads x 128 x 2 bytes.
        Case {
            file: "Qwen3-8B",
            family: "qwen3",
            total: 8_190_735_360,
            active: None,
            kv: 36 * 2 * 8 * 128 * 2,
        },
        // 48 layers x 2 x 4 kv heads x 128 (head_dim, not 2048 / 32 = 64) x 2 bytes.
        Case {
            file: "Qwen3-30B-A3B",
            family: "qwen3_moe",
            total: 30_532_122_624,
            active: Some(3_353_032_704),
            kv: 48 * 2 * 4 * 128 * 2,
        },
        // 24 layers x 2 x 16 kv heads x 128 x 2 bytes (use_sliding_window is false).
        Case {
            file: "Qwen1.5-MoE-A2.7B",
            family: "qwen2_moe",
            total: 14_315_784_192,
            active: Some(2_689_173_504),
            kv: 24 * 2 * 16 * 128 * 2,
        },
        // 16 layers x 2 x 8 kv heads x 64 x 2 bytes; tied embeddings counted once.
        Case {
            file: "Llama-3.2-1B",
            family: "llama",
            total: 1_235_814_400,
            active: None,
            kv: 16 * 2 * 8 * 64 * 2,
        },
        // 32 layers x 2 x 32 kv heads x 96 x 2 bytes.
        Case {
            file: "Phi-3-mini-4k-instruct",
            family: "phi3",
            total: 3_821_079_552,
            active: None,
            kv: 32 * 2 * 32 * 96 * 2,
        },
        // 32 layers x 2 x 8 x 128 x 2 bytes; v0.3 has no sliding window.
        Case {
            file: "Mistral-7B-Instruct-v0.3",
            family: "mistral",
            total: 7_248_023_552,
            active: None,
            kv: 32 * 2 * 8 * 128 * 2,
        },
        // 12 layers x 2 x 12 heads x 64 x 2 bytes.
        Case {
            file: "pythia-160m",
            family: "gpt_neox",
            total: 162_322_944,
            active: None,
            kv: 12 * 2 * 12 * 64 * 2,
        },
        // The first GPT-2 config has no model_type: 12 layers x 2 x 768 x 2 bytes.
        Case {
            file: "gpt2",
            family: "gpt2",
            total: 124_439_808,
            active: None,
            kv: 12 * 2 * 768 * 2,
        },
        // 28 layers x 2 x 4 kv heads x 128 x 2 bytes.
        Case {
            file: "Qwen2.5-7B",
            family: "qwen2",
            total: 7_615_616_512,
            active: None,
            kv: 28 * 2 * 4 * 128 * 2,
        },
        // 18 layers x 2 x 1 kv head x 256 x 2 bytes; tied.
        Case {
            file: "gemma-2b",
            family: "gemma",
            total: 2_506_172_416,
            active: None,
            kv: 18 * 2 * 256 * 2,
        },
        // 42 layers x 2 x 8 x 256 x 2 bytes (one token: below the window everywhere).
        Case {
            file: "gemma-2-9b-it",
            family: "gemma2",
            total: 9_241_705_984,
            active: None,
            kv: 42 * 2 * 8 * 256 * 2,
        },
        // The text model of Gemma 3 4B: 34 layers x 2 x 4 kv heads (default) x 256 x 2 bytes.
        // Its non-embedding count, 3,209,008,128, is the Gemma 3 report's 3,209 M (table 1).
        Case {
            file: "gemma-3-4b-it",
            family: "gemma3",
            total: 3_880_263_168,
            active: None,
            kv: 34 * 2 * 4 * 256 * 2,
        },
        // 26 layers x 2 x 1 kv head x 256 x 2 bytes.
        Case {
            file: "gemma-3-1b-it",
            family: "gemma3_text",
            total: 999_885_952,
            active: None,
            kv: 26 * 2 * 256 * 2,
        },
        // 27 layers x (512 latent + 64 rope key) x 2 bytes; no query latent.
        Case {
            file: "DeepSeek-V2-Lite",
            family: "deepseek_v2",
            total: 15_706_484_224,
            active: Some(2_661_150_208),
            kv: 27 * 576 * 2,
        },
    ];
    for case in cases {
        let imported = import(&config(case.file)).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        let a = imported.architecture;
        assert_eq!(imported.family, case.family, "{}", case.file);
        assert_eq!(a.param_count(), case.total, "{}", case.file);
        let active = a.moe().map(|_| a.active_param_count());
        assert_eq!(active, case.active, "{}", case.file);
        assert_eq!(kv_per_token(a), case.kv, "{}", case.file);
    }
}

#[test]
fn imported_models_match_the_presets_they_share_a_file_with() {
    for (file, preset) in [
        ("Mixtral-8x7B-v0.1", Preset::Mixtral8x7b),
        ("DeepSeek-V3", Preset::DeepSeekV3),
        ("Llama-3.2-1B", Preset::Llama32_1b),
        ("Phi-3-mini-4k-instruct", Preset::Phi3Mini),
        ("gpt2", Preset::Gpt2),
        ("Qwen2.5-7B", Preset::Qwen25_7b),
        ("gemma-2-9b-it", Preset::Gemma2_9b),
    ] {
        let imported = import(&config(file)).unwrap().architecture;
        let preset = preset.architecture();
        assert_eq!(imported.spec(), preset.spec(), "{file}");
    }
}

#[test]
fn sliding_windows_follow_each_family_rule() {
    // Gemma 2: every other layer windowed at 4096; 8 kv heads x 256 x 2 (K, V) x 2 bytes = 8,192
    // bytes per layer and token.
    let gemma2 = import(&config("gemma-2-9b-it")).unwrap().architecture;
    assert_eq!(
        gemma2.window().map(|w| (w.tokens, w.global_layers)),
        Some((4096, 21))
    );
    assert_eq!(kv_at(gemma2, 4096), 42 * 4096 * 8192);
    assert_eq!(kv_at(gemma2, 10_000), (21 * 10_000 + 21 * 4096) * 8192);
    // Gemma 3 (4B, its text model): 34 layers, five of every six windowed at 1024: 34 / 6 = 5
    // global. 4 kv heads x 256 x 2 x 2 bytes = 4,096 bytes per layer and token.
    let imported = import(&config("gemma-3-4b-it")).unwrap();
    let gemma3 = imported.architecture;
    assert_eq!(
        gemma3.window().map(|w| (w.tokens, w.global_layers)),
        Some((1024, 5))
    );
    assert_eq!(kv_at(gemma3, 1024), 34 * 1024 * 4096);
    assert_eq!(kv_at(gemma3, 32_768), (5 * 32_768 + 29 * 1024) * 4096);
    assert!(imported.notes.iter().any(|n| n.contains("vision tower")));
    // An explicit layer_types list wins over the family rule.
    let mut text = config("Mistral-7B-Instruct-v0.3").replace(
        "\"sliding_window\": null",
        "\"sliding_window\": 4096, \"layer_types\": [LAYERS]",
    );
    let kinds: Vec<&str> = (0..32)
        .map(|i| {
            if i % 4 == 3 {
                "\"full_attention\""
            } else {
                "\"sliding_attention\""
            }
        })
        .collect();
    text = text.replace("LAYERS", &kinds.join(","));
    let a = import(&text).unwrap().architecture;
    assert_eq!(
        a.window().map(|w| (w.tokens, w.global_layers)),
        Some((4096, 8))
    );
    // Qwen with use_sliding_window false: no window, and a note says why.
    let qwen = import(&config("Qwen1.5-MoE-A2.7B")).unwrap();
    assert_eq!(qwen.architecture.window(), None);
    assert!(qwen.notes.iter().any(|n| n.contains("use_sliding_window")));
}

#[test]
fn the_import_says_what_it_used_and_what_it_left_alone() {
    let imported = import(&config("DeepSeek-V3")).unwrap();
    for key in [
        "kv_lora_rank",
        "q_lora_rank",
        "n_routed_experts",
        "first_k_dense_replace",
    ] {
        assert!(imported.used.iter().any(|k| k == key), "{key} not used");
    }
    for key in ["rope_scaling", "n_group", "topk_method", "rms_norm_eps"] {
        assert!(
            imported.ignored.iter().any(|k| k == key),
            "{key} not ignored"
        );
    }
    assert!(imported
        .notes
        .iter()
        .any(|n| n.contains("multi-token-prediction")));
    assert!(imported
        .notes
        .iter()
        .any(|n| n.contains("quantization_config")));
}

/// Hostile or broken text: a message (naming the field where there is one), never a panic and
/// never a model.
#[test]
fn hostile_json_gets_a_message() {
    let llama = config("Llama-3.2-1B");
    let cases: Vec<(String, Option<&str>, &str)> = vec![
        ("garbage {{{".to_string(), None, "not valid JSON"),
        ("[1, 2, 3]".to_string(), None, "not one"),
        ("".to_string(), None, "not valid JSON"),
        (
            " ".repeat(MAX_CONFIG_BYTES + 1),
            None,
            "a config.json is a few thousand",
        ),
        (
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            None,
            "not valid JSON",
        ),
        (
            llama.replace("\"hidden_size\": 2048", "\"hidden_size\": \"2048\""),
            Some("hidden_size"),
            "must be a whole number",
        ),
        (
            llama.replace("\"hidden_size\": 2048", "\"hidden_size\": -2048"),
            Some("hidden_size"),
            "cannot be negative",
        ),
        (
            llama.replace("\"hidden_size\": 2048", "\"hidden_size\": 2048.5"),
            Some("hidden_size"),
            "whole number",
        ),
        (
            llama.replace("\"hidden_size\": 2048,", ""),
            Some("hidden_size"),
            "missing",
        ),
        (
            llama.replace("\"model_type\": \"llama\"", "\"model_type\": \"<script>\""),
            Some("model_type"),
            "not a family",
        ),
        (
            llama.replace(
                "\"tie_word_embeddings\": true",
                "\"tie_word_embeddings\": \"yes\"",
            ),
            Some("tie_word_embeddings"),
            "true or false",
        ),
        (
            llama.replace(
                "\"num_hidden_layers\": 16",
                "\"num_hidden_layers\": 99999999999",
            ),
            None,
            "larger than the limit",
        ),
        (
            llama.replace("\"num_attention_heads\": 32", "\"num_attention_heads\": 0"),
            None,
            "at least 1",
        ),
        (
            config("Qwen3-30B-A3B")
                .replace("\"mlp_only_layers\": []", "\"mlp_only_layers\": [0, 1]"),
            Some("mlp_only_layers"),
            "not supported",
        ),
        (
            config("DeepSeek-V3").replace("\"moe_layer_freq\": 1", "\"moe_layer_freq\": 2"),
            Some("moe_layer_freq"),
            "not supported",
        ),
    ];
    for (text, key, says) in cases {
        let e = import(&text).expect_err(says);
        assert_eq!(e.key.as_deref(), key, "{e}");
        assert!(e.message.contains(says), "{e}");
        // The message quotes at most a short piece of the input.
        assert!(e.message.len() < 400, "{e}");
    }
}

proptest! {
    #[test]
    fn any_text_is_read_or_refused_without_panicking(text in ".{0,400}") {
        let _ = import(&text);
    }

    #[test]
    fn any_numbers_in_a_real_config_are_read_or_refused(
        layers in any::<i64>(), hidden in any::<u64>(), heads in 0u64..100_000, experts in any::<u64>()
    ) {
        let text = config("Mixtral-8x7B-v0.1")
            .replace("\"num_hidden_layers\": 32", &format!("\"num_hidden_layers\": {layers}"))
            .replace("\"hidden_size\": 4096", &format!("\"hidden_size\": {hidden}"))
            .replace("\"num_attention_heads\": 32", &format!("\"num_attention_heads\": {heads}"))
            .replace("\"num_local_experts\": 8", &format!("\"num_local_experts\": {experts}"));
        if let Ok(imported) = import(&text) {
            let _ = imported.architecture.param_count();
        }
    }
}
