//! The models users bring (issue 17): mixtures of experts, latent attention, sliding windows,
//! expert parallelism. Every expected figure is worked by hand in the comment above it.

use precision_lab::memory::arch::{ArchSpec, Latent, Moe, Window};
use precision_lab::memory::budget::layer_activations;
use precision_lab::memory::dtype::KvFormat;
use precision_lab::memory::inputs::{self, Dropout, Recipe, TrainingSettings, ZeroStage};
use precision_lab::memory::*;
use precision_lab::present::memory as page;

fn inference(model: ModelChoice, context: u64) -> Inputs {
    let mut inputs = Inputs {
        model,
        ..Inputs::default()
    };
    inputs.inference.context = context;
    inputs.inference.batch = 1;
    inputs.inference.kv = KvFormat::Fp16;
    inputs
}

fn kv_bytes(inputs: &Inputs) -> u128 {
    estimate(inputs)
        .unwrap()
        .term("kv-cache")
        .unwrap()
        .per_device
        .get()
}

fn preset(p: Preset) -> ModelChoice {
    ModelChoice::Preset(p)
}

// ---------------------------------------------------------------- mixture of experts

#[test]
fn mixtral_active_parameters_are_worked_out_by_hand() {
    // Per layer: q 4096x4096 + k 1024x4096 + v 1024x4096 + o 4096x4096 = 41,943,040; two of the
    // eight experts, 2 x 3 x 4096 x 14336 = 352,321,536; router 8 x 4096 = 32,768; two norms
    // 8,192: 394,305,536. Times 32 layers = 12,617,777,152, plus embedding and head
    // 2 x 32000 x 4096 = 262,144,000 and the final norm 4,096: 12,879,925,248 (Mistral AI's
    // "12.9B active parameters").
    let a = Preset::Mixtral8x7b.architecture();
    assert_eq!(a.active_param_count(), 12_879_925_248);
    // Every expert stays in memory: the weights term counts all 46,702,792,704.
    let r = estimate(&inference(preset(Preset::Mixtral8x7b), 4096)).unwrap();
    assert_eq!(r.n_active, Some(12_879_925_248));
    assert_eq!(
        r.term("weights").unwrap().per_device.get(),
        2 * 46_702_792_704
    );
    // A dense model has no active count to show.
    let dense = estimate(&inference(preset(Preset::Llama3_8b), 4096)).unwrap();
    assert_eq!(dense.n_active, None);
    let inputs = inference(preset(Preset::Mixtral8x7b), 4096);
    let sentence = page::active_sentence(&r, &inputs).unwrap();
    assert!(
        sentence.contains("12,879,925,248 of the 46,702,792,704"),
        "{sentence}"
    );
    assert!(sentence.contains("2 of 8 experts"), "{sentence}");
    let dense_inputs = inference(preset(Preset::Llama3_8b), 4096);
    assert_eq!(page::active_sentence(&dense, &dense_inputs), None);
}

#[test]
fn deepseek_v3_keeps_three_dense_layers_and_a_shared_expert() {
    let a = Preset::DeepSeekV3.architecture();
    assert_eq!(a.dense_and_moe_layers(), (3, 58));
    // Active: the total less the 248 routed experts a token skips in each of the 58 MoE layers,
    // each 3 x 7168 x 2048 = 44,040,192: 671,026,419,200 - 58 x 248 x 44,040,192.
    let skipped: u128 = 58 * 248 * 44_040_192;
    assert_eq!(a.active_param_count(), 671_026_419_200 - skipped);
}

/// Training activations of an MoE block: a dense block's with the MLP as wide as the experts a
/// token uses, plus the router's fp32 scores and one copy of each token per chosen expert.
#[test]
fn moe_activations_use_the_experts_a_token_is_sent_to() {
    let settings = TrainingSettings {
        seq_len: 1024,
        micro_batch: 2,
        dropout: Dropout::Off,
        recipe: Recipe::MixedBf16,
        ..TrainingSettings::default()
    };
    let moe = Preset::Mixtral8x7b.architecture();
    // The same block with a dense MLP of 2 x 14336 (the two experts a token visits).
    let dense = Architecture::new(ArchSpec {
        moe: None,
        ffn: 2 * 14336,
        ..moe.spec()
    })
    .unwrap();
    let sum = |parts: Vec<(String, u128)>| parts.iter().map(|(_, b)| b).sum::<u128>();
    let (s, b, h, e, k) = (1024u128, 2u128, 4096u128, 8u128, 2u128);
    let router = 4 * s * b * e;
    let copies = 2 * s * b * k * h;
    assert_eq!(
        sum(layer_activations(&moe, &settings)),
        sum(layer_activations(&dense, &settings)) + router + copies
    );
}

#[test]
fn expert_parallelism_spreads_the_experts_and_leaves_sharded_states_alone() {
    let mut inputs = Inputs {
        model: preset(Preset::Mixtral8x7b),
        mode: Mode::Training,
        ..Inputs::default()
    };
    inputs.hardware.count = 8;
    inputs.training.zero = ZeroStage::Zero1;
    let one = estimate(&inputs).unwrap();
    inputs.training.expert_parallel = 8;
    let eight = estimate(&inputs).unwrap();
    // Weights (not sharded under ZeRO-1): the experts go from 8 to 1 per GPU in each layer.
    // Experts: 32 layers x 8 x 3 x 4096 x 14336 = 45,097,156,608 of the 46,702,792,704.
    let experts: u128 = 32 * 8 * 3 * 4096 * 14336;
    let rest = 46_702_792_704 - experts;
    assert_eq!(
        one.term("weights").unwrap().per_device.get(),
        2 * 46_702_792_704
    );
    assert_eq!(
        eight.term("weights").unwrap().per_device.get(),
        2 * (rest + experts / 8)
    );
    // Optimizer states sharded over the 8 GPUs: the same share either way.
    for id in ["optimizer-m", "optimizer-v", "master-weights"] {
        assert_eq!(
            one.term(id).unwrap().per_device,
            eight.term(id).unwrap().per_device,
            "{id}"
        );
    }
    // Sizes that do not divide, and a dense model, are refused with a sentence on the input.
    inputs.training.expert_parallel = 3;
    let e = estimate(&inputs).unwrap_err();
    assert_eq!(e.field(), "ep");
    assert!(e.to_string().contains("must divide the 8"), "{e}");
    inputs.hardware.count = 16;
    inputs.training.expert_parallel = 16;
    let e = estimate(&inputs).unwrap_err();
    assert!(e.to_string().contains("experts (8)"), "{e}");
    inputs.model = preset(Preset::Llama3_8b);
    inputs.training.expert_parallel = 2;
    let e = estimate(&inputs).unwrap_err();
    assert!(e.to_string().contains("no experts"), "{e}");
}

// ---------------------------------------------------------------- attention layouts

#[test]
fn latent_attention_caches_the_latent_and_the_rope_key() {
    // DeepSeek-V3: (512 latent + 64 rope key) x 61 layers x tokens x 2 bytes.
    let per_token: u128 = 576 * 61 * 2;
    for context in [1u64, 4096, 131_072] {
        let inputs = inference(preset(Preset::DeepSeekV3), context);
        assert_eq!(
            kv_bytes(&inputs),
            per_token * u128::from(context),
            "{context}"
        );
    }
    // 4096 tokens: 287,834,112 bytes.
    assert_eq!(
        kv_bytes(&inference(preset(Preset::DeepSeekV3), 4096)),
        287_834_112
    );
    // Tensor parallelism does not split it: every GPU keeps the whole latent.
    let mut inputs = inference(preset(Preset::DeepSeekV3), 4096);
    inputs.hardware.count = 8;
    assert_eq!(kv_bytes(&inputs), 287_834_112);
    let r = estimate(&inputs).unwrap();
    let kv = r.term("kv-cache").unwrap();
    assert!(kv
        .expression
        .starts_with("(512 latent + 64 rope key) x 61 layers"));
    // Full keys and values: 128 heads x (192 + 128) = 40,960 values a token and layer, 71x.
    assert!(kv
        .detail
        .iter()
        .any(|d| d.contains("40,960") && d.contains("71x")));
}

#[test]
fn windowed_layers_stop_growing_at_the_window() {
    // Gemma-2-9B: 21 global and 21 windowed layers (window 4096), 8 kv heads of 256.
    // Per layer and token: 2 x 8 x 256 x 2 bytes = 8,192.
    let gemma = |context| kv_bytes(&inference(preset(Preset::Gemma2_9b), context));
    // Below the window every layer holds the context: 42 x 2048 x 8,192.
    assert_eq!(gemma(2048), 704_643_072);
    assert_eq!(gemma(4096), 1_409_286_144);
    // At 8192: (21 x 8192 + 21 x 4096) x 8,192 = 2,113,929,216.
    assert_eq!(gemma(8192), 2_113_929_216);
    // Mistral-7B-v0.1 windows every layer at 4096: 32 x min(context, 4096) x 2 x 8 x 128 x 2.
    let mistral = |context| kv_bytes(&inference(preset(Preset::Mistral7b), context));
    assert_eq!(mistral(1000), 131_072_000);
    assert_eq!(mistral(4096), 536_870_912);
    assert_eq!(mistral(32768), 536_870_912);
    // Without a window the cache grows with the context (Llama 3 8B, same kv shape).
    let llama = |context| kv_bytes(&inference(preset(Preset::Llama3_8b), context));
    assert_eq!(llama(8192), 2 * 536_870_912);
}

#[test]
fn head_dim_comes_from_the_model_not_hidden_over_heads() {
    // Gemma-2-9B: hidden 3584 / 16 heads = 224, but its heads are 256 wide.
    let a = Preset::Gemma2_9b.architecture();
    assert_eq!(a.head_dim(), 256);
    let q = a
        .tensors()
        .into_iter()
        .find(|t| t.role == precision_lab::memory::arch::TensorRole::Query)
        .unwrap();
    assert_eq!((q.rows, q.cols), (16 * 256, 3584));
}

// ---------------------------------------------------------------- the URL keeps the model

#[test]
fn a_custom_model_with_every_part_survives_the_url() {
    let spec = ArchSpec {
        qk_norm: true,
        block_norms: 4,
        moe: Some(Moe {
            experts: 64,
            active: 6,
            expert_ffn: 1408,
            shared_ffn: 2816,
            shared_gate: true,
            router_bias: true,
            dense_layers: 1,
        }),
        latent: Some(Latent {
            q_rank: 0,
            kv_rank: 512,
            rope_dim: 64,
            nope_dim: 128,
            v_dim: 128,
        }),
        window: Some(Window {
            tokens: 1024,
            global_layers: 4,
        }),
        ..ArchSpec::dense(27, 2048, 16, 16, 10944, 102400)
    };
    let inputs = Inputs {
        model: ModelChoice::Custom(Architecture::new(spec).unwrap()),
        ..Inputs::default()
    };
    let query = to_query(&inputs);
    let (back, notices) = from_query(&query);
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(back, inputs);
    // A plain custom model writes none of the optional keys.
    let plain = Inputs {
        model: ModelChoice::Custom(
            Architecture::new(ArchSpec::dense(12, 768, 12, 12, 3072, 50257)).unwrap(),
        ),
        ..Inputs::default()
    };
    let keys: Vec<String> = to_query(&plain).into_iter().map(|(k, _)| k).collect();
    for key in ["experts", "kv_rank", "window", "norms", "qk_norm"] {
        assert!(!keys.iter().any(|k| k == key), "{key} in {keys:?}");
    }
}

#[test]
fn a_part_key_without_its_part_is_ignored_with_a_notice() {
    let pairs: Vec<(String, String)> = [
        ("model", "custom"),
        ("layers", "4"),
        ("hidden", "256"),
        ("heads", "4"),
        ("kv_heads", "4"),
        ("head_dim", "64"),
        ("ffn", "1024"),
        ("vocab", "1000"),
        ("experts_active", "2"),
        ("q_rank", "64"),
        ("global_layers", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (inputs, notices) = from_query(&pairs);
    let keys: Vec<&str> = notices.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, ["experts_active", "q_rank", "global_layers"]);
    assert!(notices[0].message.contains("no experts"), "{}", notices[0]);
    assert!(notices[0].message.ends_with("Ignored."), "{}", notices[0]);
    let a = inputs.model.architecture().unwrap();
    assert_eq!((a.moe(), a.latent(), a.window()), (None, None, None));
}

// ---------------------------------------------------------------- pipeline parallelism, offload

fn llama_training(gpus: u64) -> Inputs {
    let mut inputs = Inputs {
        model: preset(Preset::Llama3_8b),
        mode: Mode::Training,
        ..Inputs::default()
    };
    inputs.hardware.count = gpus;
    inputs
}

#[test]
fn pipeline_stages_split_the_layers_and_the_first_holds_every_micro_batch() {
    let whole = estimate(&llama_training(2)).unwrap();
    let mut inputs = llama_training(8);
    inputs.training.pipeline_parallel = 4;
    let r = estimate(&inputs).unwrap();
    assert_eq!((r.pipeline_parallel, r.data_parallel), (4, 2));
    // The first stage: the embedding (128,256 x 4096 = 525,336,576) and 8 of the 32 layers
    // (218,112,000 each).
    let first: u128 = 525_336_576 + 8 * 218_112_000;
    assert_eq!(r.term("weights").unwrap().per_device.get(), 2 * first);
    // Over all stages the weights are the whole model once per data-parallel copy, in bf16.
    assert_eq!(
        r.term("weights").unwrap().total.get(),
        2 * 8_030_261_248 * 2
    );
    // 1F1B: the first stage holds 4 micro-batches of its 8 layers, as many layer-activations
    // as the whole model on one GPU (Korthikanti et al. 2022, section 4.2.3).
    assert_eq!(
        r.term("activations").unwrap().per_device,
        whole.term("activations").unwrap().per_device
    );
    // The logits live on the last stage only: 0 here, 2 GPUs' worth in the total.
    let logits = r.term("logits").unwrap();
    assert_eq!(logits.per_device.get(), 0);
    assert_eq!(logits.total.get(), 2 * 4 * 2048 * 128_256);
    assert!(r.notes.iter().any(|n| n.contains("stage 1's GPU")));
    // Stages must divide the layers and, with tensor parallelism, the GPUs.
    inputs.training.pipeline_parallel = 3;
    inputs.hardware.count = 6;
    let e = estimate(&inputs).unwrap_err();
    assert_eq!(e.field(), "pp");
    assert!(e.to_string().contains("layers (32)"), "{e}");
    inputs.training.pipeline_parallel = 4;
    let e = estimate(&inputs).unwrap_err();
    assert!(e.to_string().contains("must divide the 6"), "{e}");
    // A bare count has no layers to split.
    inputs.model = ModelChoice::Params(ParamCount::new(7_000_000_000).unwrap());
    inputs.hardware.count = 8;
    assert_eq!(estimate(&inputs).unwrap_err().field(), "pp");
}

#[test]
fn offload_moves_the_states_to_host_memory() {
    let mut inputs = llama_training(8);
    inputs.training.zero = ZeroStage::Zero2;
    let on_gpu = estimate(&inputs).unwrap();
    inputs.training.offload = inputs::Offload::Optimizer;
    let r = estimate(&inputs).unwrap();
    let moved = ["gradients", "master-weights", "optimizer-m", "optimizer-v"];
    for id in moved {
        assert!(r.term(id).is_none(), "{id} still on the GPU");
        let host = r.host.iter().find(|t| t.id == id).unwrap();
        assert_eq!(host.per_device, on_gpu.term(id).unwrap().per_device, "{id}");
    }
    let moved_bytes: u128 = moved
        .iter()
        .map(|id| on_gpu.term(id).unwrap().per_device.get())
        .sum();
    assert_eq!(r.per_device.get(), on_gpu.per_device.get() - moved_bytes);
    assert_eq!(r.host_per_device.get(), moved_bytes);
    assert_eq!(r.host_total.get(), 8 * moved_bytes);
    // Offloading the weights needs ZeRO-3; there the GPU keeps one gathered layer.
    inputs.training.offload = inputs::Offload::All;
    assert_eq!(estimate(&inputs).unwrap_err().field(), "offload");
    inputs.training.zero = ZeroStage::Zero3;
    let r = estimate(&inputs).unwrap();
    assert!(r.term("weights").is_none());
    assert!(r.host.iter().any(|t| t.id == "weights"));
    assert!(r.term("zero3-gather").is_some());
    // Without ZeRO there is nothing to offload from.
    inputs.training.zero = ZeroStage::Zero0;
    inputs.training.offload = inputs::Offload::Optimizer;
    assert_eq!(estimate(&inputs).unwrap_err().field(), "offload");
}
