//! Native tests of `precision_lab::memory`: published figures (ZeRO paper, Korthikanti et al.),
//! preset parameter counts, the seed examples, the URL round trip, and bad input that must give
//! errors, never panics or wrapped numbers.

use precision_lab::memory::arch::{ArchSpec, Biases, Embeddings, Mlp, Norm, Positions};
use precision_lab::memory::budget::layer_activations;
use precision_lab::memory::dtype::Storage;
use precision_lab::memory::inputs::{
    Dropout, Finetune, GradientCopy, LoraMatrix, LoraTargets, Offload, Optimizer, Recipe,
    Recompute, SequenceParallel, TrainingSettings, ZeroStage,
};
use precision_lab::memory::units::{decimal, GIB};
use precision_lab::memory::*;
use proptest::prelude::*;

fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn training(model: ModelChoice) -> Inputs {
    Inputs {
        model,
        mode: Mode::Training,
        ..Inputs::default()
    }
}

fn inference(model: ModelChoice) -> Inputs {
    Inputs {
        model,
        ..Inputs::default()
    }
}

fn params(n: u128) -> ModelChoice {
    ModelChoice::Params(ParamCount::new(n).expect("valid count"))
}

// ---------------------------------------------------------------- parameter counts

#[track_caller]
fn check_parse(text: &str, expected: u128) {
    assert_eq!(
        ParamCount::parse(text).map(ParamCount::get),
        Ok(expected),
        "{text}"
    );
}

#[test]
fn parses_every_documented_spelling_exactly() {
    check_parse("7e9", 7_000_000_000);
    check_parse("7B", 7_000_000_000);
    check_parse("7b", 7_000_000_000);
    check_parse("72.7B", 72_700_000_000);
    check_parse("124M", 124_000_000);
    check_parse("7,241,732,096", 7_241_732_096);
    check_parse("7_241_732_096", 7_241_732_096);
    check_parse(" 1.5e3 ", 1500);
    check_parse("1.5K", 1500);
    check_parse("405B params", 405_000_000_000);
    check_parse("2T", 2_000_000_000_000);
    check_parse("1e15", 1_000_000_000_000_000);
}

#[track_caller]
fn check_reject(text: &str, fragment: &str) {
    let err = ParamCount::parse(text).expect_err(text);
    let message = err.to_string();
    assert!(message.contains(fragment), "{text}: {message}");
}

#[test]
fn rejects_bad_counts_with_a_message_that_names_the_problem() {
    check_reject("", "Type a parameter count");
    check_reject("seven", "contains");
    check_reject("7X", "contains 'X'");
    check_reject("-7B", "negative");
    check_reject("0", "at least one");
    check_reject("0B", "at least one");
    check_reject("1e30", "10^15");
    check_reject("1e16", "10^15");
    check_reject("99999999999999999999999999999999999999999", "10^15");
    check_reject("1.5", "whole number");
    check_reject("7e-1", "whole number");
    check_reject("7,24", "commas");
    check_reject("1e", "not a number");
    check_reject("B", "not a number");
    check_reject("1.2.3", "not a number");
}

proptest! {
    #[test]
    fn the_parser_never_panics(text in "\\PC{0,40}") {
        let _ = ParamCount::parse(&text);
    }

    #[test]
    fn the_parser_never_panics_on_number_like_text(text in "[-+0-9.,_eEkKmMbBtT ]{0,24}") {
        if let Ok(n) = ParamCount::parse(&text) {
            prop_assert!(n.get() >= 1 && n.get() <= 1_000_000_000_000_000);
        }
    }

    #[test]
    fn query_text_round_trips(n in 1u128..=1_000_000_000_000_000) {
        let count = ParamCount::new(n).unwrap();
        prop_assert_eq!(ParamCount::parse(&count.to_query_text()), Ok(count));
    }

    #[test]
    fn hostile_queries_fall_back_without_panicking(
        entries in proptest::collection::vec(
            (prop_oneof![
                Just("model".to_string()), Just("params".to_string()), Just("mode".to_string()),
                Just("weights".to_string()), Just("group".to_string()), Just("context".to_string()),
                Just("batch".to_string()), Just("gpus".to_string()), Just("tp".to_string()),
                Just("zero".to_string()), Just("seq".to_string()), Just("micro_batch".to_string()),
                Just("optimizer".to_string()), Just("finetune".to_string()), Just("layers".to_string()),
                Just("heads".to_string()), Just("kv_heads".to_string()), Just("positions".to_string()),
                Just("lora_targets".to_string()), Just("gpu".to_string()), "\\PC{0,8}",
            ], "\\PC{0,16}|[0-9]{1,12}|custom|training|qwen2-72b|gpt2|nf4|int4|adafactor|qlora"),
            0..12,
        )
    ) {
        let (inputs, _notices) = from_query(&entries);
        // Whatever came in, the budget answers with a report or an inline error.
        let _ = estimate(&inputs);
    }
}

// ---------------------------------------------------------------- presets

#[test]
fn every_preset_parameter_count_comes_out_of_its_architecture() {
    for preset in Preset::ALL {
        assert_eq!(
            preset.architecture().param_count(),
            preset.published_params(),
            "{}",
            preset.name()
        );
    }
    // The counts as docs/sources.md lists them ("Model presets"), written out once more so a typo
    // in the table above cannot hide.
    assert_eq!(
        Preset::Qwen2_72b.architecture().param_count(),
        72_706_203_648
    );
    assert_eq!(
        Preset::Mistral7b.architecture().param_count(),
        7_241_732_096
    );
    assert_eq!(
        Preset::Llama3_8b.architecture().param_count(),
        8_030_261_248
    );
    assert_eq!(
        Preset::Llama3_70b.architecture().param_count(),
        70_553_706_496
    );
    assert_eq!(
        Preset::Llama31_405b.architecture().param_count(),
        405_853_388_800
    );
    assert_eq!(Preset::Gpt2.architecture().param_count(), 124_439_808);
    // The safetensors indexes' total_size in bf16 bytes, halved: Qwen2.5-7B 15,231,233,024,
    // Mixtral-8x7B 93,405,585,408.
    assert_eq!(
        Preset::Qwen25_7b.architecture().param_count(),
        15_231_233_024 / 2
    );
    assert_eq!(
        Preset::Mixtral8x7b.architecture().param_count(),
        93_405_585_408 / 2
    );
    assert_eq!(
        Preset::Llama32_1b.architecture().param_count(),
        1_235_814_400
    );
    assert_eq!(
        Preset::Gemma2_9b.architecture().param_count(),
        9_241_705_984
    );
    assert_eq!(Preset::Phi3Mini.architecture().param_count(), 3_821_079_552);
    assert_eq!(
        Preset::DeepSeekV3.architecture().param_count(),
        671_026_419_200
    );
}

#[test]
fn preset_ids_are_the_documented_ones() {
    let ids: Vec<&str> = Preset::ALL.iter().map(|p| p.id()).collect();
    assert_eq!(
        ids,
        [
            "qwen2-72b",
            "qwen2.5-7b",
            "mistral-7b",
            "mixtral-8x7b",
            "llama-3.2-1b",
            "llama-3-8b",
            "llama-3-70b",
            "llama-3.1-405b",
            "gemma-2-9b",
            "phi-3-mini",
            "deepseek-v3",
            "gpt2"
        ]
    );
    for p in Preset::ALL {
        assert_eq!(Preset::from_id(p.id()), Some(p));
    }
}

#[test]
fn architecture_checks_reject_impossible_shapes() {
    let mut spec = Preset::Llama3_8b.architecture().spec();
    spec.kv_heads = 5;
    assert!(Architecture::new(spec)
        .unwrap_err()
        .to_string()
        .contains("multiple of kv heads"));
    spec.kv_heads = 0;
    assert!(Architecture::new(spec)
        .unwrap_err()
        .to_string()
        .contains("at least 1"));
    spec.kv_heads = 8;
    spec.layers = 1_000_000;
    assert!(Architecture::new(spec)
        .unwrap_err()
        .to_string()
        .contains("larger than"));
}

// ---------------------------------------------------------------- weight formats

#[test]
fn nf4_with_double_quantization_is_4_127_bits_derived_not_typed() {
    let storage = Storage::of(WeightFormat::Nf4, 64, DoubleQuant::On);
    let (num, den) = storage.asymptotic_scale_bits();
    // 8/64 + 32/(64 x 256) = 0.125 + 0.001953125.
    assert_eq!(decimal(num, den, 9), "0.126953125");
    let plain = Storage::of(WeightFormat::Nf4, 64, DoubleQuant::Off);
    let (num, den) = plain.asymptotic_scale_bits();
    assert_eq!(decimal(num, den, 3), "0.500");
    // int4 with one fp16 scale per 128 weights: 4.125 bits.
    let int4 = Storage::of(WeightFormat::Int4, 128, DoubleQuant::On);
    let (num, den) = int4.asymptotic_scale_bits();
    assert_eq!(decimal(num, den, 3), "0.125");
    // Exact bits for one tensor of 16,384 weights: 65,536 + 256 x 8 + 1 x 32.
    assert_eq!(storage.element_bits_for(16_384, 1), 65_536);
    assert_eq!(storage.scale_bits_for(16_384, 1), 256 * 8 + 32);
}

#[test]
fn quantized_inference_keeps_embeddings_in_16_bits_and_counts_scales() {
    let mut inputs = inference(ModelChoice::Preset(Preset::Llama3_8b));
    inputs.inference.weights = WeightFormat::Int4;
    inputs.inference.group = Some(128);
    let r = estimate(&inputs).unwrap();
    let arch = Preset::Llama3_8b.architecture();
    // Block matrices per layer: q 4096x4096, k and v 1024x4096, o 4096x4096, 3 x 14336x4096.
    let per_layer: u128 = 2 * 4096 * 4096 + 2 * 1024 * 4096 + 3 * 14336 * 4096;
    let matrices = per_layer * 32;
    assert_eq!(r.term("weights").unwrap().per_device.get(), matrices / 2);
    let kept = arch.param_count() - matrices;
    assert_eq!(r.term("weights-kept").unwrap().per_device.get(), kept * 2);
    // Every matrix has a multiple of 128 elements, so scales = matrices / 128 x 2 bytes.
    assert_eq!(
        r.term("weight-scales").unwrap().per_device.get(),
        matrices / 128 * 2
    );
}

// ---------------------------------------------------------------- seed examples

#[test]
fn seed_examples_are_reproduced_exactly() {
    let examples = seed_check();
    assert_eq!(examples.len(), 3);
    let qwen = &examples[0];
    assert_eq!(qwen.bytes.get(), 145_412_407_296);
    assert_eq!(
        qwen.computed,
        "2 bytes x 72,706,203,648 params = 145.41 GB = 135.43 GiB"
    );
    assert!(qwen.verdict.contains("135.43 GiB") && qwen.verdict.contains("145.41 GB"));

    let adam = &examples[1];
    assert_eq!(adam.bytes.get(), 112_000_000_000);
    assert!(
        adam.computed.ends_with("= 112.00 GB = 104.31 GiB"),
        "{}",
        adam.computed
    );
    // The real Mistral-7B count: 7,241,732,096 x 16 = 115,867,713,536 bytes.
    assert!(
        adam.verdict.contains("115.87 GB = 107.91 GiB"),
        "{}",
        adam.verdict
    );

    let infer = &examples[2];
    assert_eq!(infer.bytes.get(), 14_000_000_000);
    assert!(
        infer.computed.ends_with("= 14.00 GB = 13.04 GiB"),
        "{}",
        infer.computed
    );
    assert!(
        infer.verdict.contains("14.48 GB = 13.49 GiB"),
        "{}",
        infer.verdict
    );
}

#[test]
fn the_ledger_row_shows_the_formula_with_numbers_in() {
    let r = estimate(&Inputs::default()).unwrap();
    let w = r.term("weights").unwrap();
    assert_eq!(
        w.formula(UnitLead::Gb),
        "2 bytes x 72,706,203,648 params = 145.41 GB = 135.43 GiB"
    );
    assert_eq!(
        w.formula(UnitLead::Gib),
        "2 bytes x 72,706,203,648 params = 135.43 GiB = 145.41 GB"
    );
    assert!(matches!(r.fit, Fit::DoesNotFit { .. }));
    assert!(r.fit_sentence(UnitLead::Gb).starts_with("Does not fit"));
}

// ---------------------------------------------------------------- ZeRO paper

/// Rajbhandari et al. 2020, section 5 / figure 1: N = 7.5B, Nd = 64, mixed-precision Adam.
#[test]
fn zero_paper_model_states_per_device() {
    let states = |stage: ZeroStage, gpus: u64| {
        let mut inputs = training(params(7_500_000_000));
        inputs.training.recipe = Recipe::MixedFp16;
        inputs.training.zero = stage;
        inputs.hardware.count = gpus;
        let r = estimate(&inputs).unwrap();
        r.per_device_of(&[Category::Weights, Category::TrainingState])
    };
    assert_eq!(states(ZeroStage::Zero0, 1).gb(), "120.00 GB");
    assert_eq!(states(ZeroStage::Zero0, 64).gb(), "120.00 GB");
    // 4N + 12N/64 = 31.40625 GB; 2N + 14N/64 = 16.640625 GB; 16N/64 = 1.875 GB.
    assert_eq!(states(ZeroStage::Zero1, 64).get(), 31_406_250_000);
    assert_eq!(states(ZeroStage::Zero2, 64).get(), 16_640_625_000);
    assert_eq!(states(ZeroStage::Zero3, 64).get(), 1_875_000_000);
    // As the paper rounds them.
    assert_eq!(
        decimal(states(ZeroStage::Zero1, 64).get(), 1_000_000_000, 1),
        "31.4"
    );
    assert_eq!(
        decimal(states(ZeroStage::Zero2, 64).get(), 1_000_000_000, 1),
        "16.6"
    );
    assert_eq!(
        decimal(states(ZeroStage::Zero3, 64).get(), 1_000_000_000, 1),
        "1.9"
    );
}

#[test]
fn fp32_gradient_copy_gives_18_bytes_per_param() {
    let mut inputs = training(params(1_000_000_000));
    inputs.training.gradients = GradientCopy::Fp32;
    let r = estimate(&inputs).unwrap();
    assert_eq!(
        r.per_device_of(&[Category::Weights, Category::TrainingState])
            .get(),
        18_000_000_000
    );
}

#[test]
fn optimizer_states_per_param() {
    let state = |optimizer: Optimizer, recipe: Recipe| {
        let mut inputs = training(params(1_000_000));
        inputs.training.optimizer = optimizer;
        inputs.training.recipe = recipe;
        estimate(&inputs)
            .unwrap()
            .terms
            .iter()
            .filter(|t| t.id.starts_with("optimizer"))
            .map(|t| t.per_device.get())
            .sum::<u128>()
    };
    assert_eq!(state(Optimizer::AdamW, Recipe::MixedBf16), 8_000_000);
    assert_eq!(state(Optimizer::Sgd, Recipe::MixedBf16), 0);
    assert_eq!(state(Optimizer::SgdMomentum, Recipe::MixedBf16), 4_000_000);
    assert_eq!(state(Optimizer::Lion, Recipe::MixedBf16), 4_000_000);
    assert_eq!(state(Optimizer::AdamW, Recipe::PureBf16), 4_000_000);
    // 8-bit Adam on one tensor of 10^6: 2 x (10^6 + 4 x ceil(10^6 / 2048) = 489 blocks).
    assert_eq!(
        state(Optimizer::Adam8bit, Recipe::MixedBf16),
        2 * (1_000_000 + 4 * 489)
    );
}

#[test]
fn adafactor_factors_each_matrix_and_needs_shapes() {
    let mut inputs = training(ModelChoice::Preset(Preset::Gpt2));
    inputs.training.seq_len = 1024;
    inputs.training.optimizer = Optimizer::Adafactor;
    let r = estimate(&inputs).unwrap();
    // GPT-2: wte 50257x768, wpe 1024x768; per layer c_attn split as q,k,v (768x768 each), o,
    // fc 3072x768, proj 768x3072; vectors: 2 LayerNorms x 1536, biases 2304 + 768 + 3072 + 768;
    // final LayerNorm 1536.
    let matrices: u128 = (50257 + 768) + (1024 + 768);
    let per_layer_matrices: u128 = 4 * (768 + 768) + 2 * (3072 + 768);
    let per_layer_vectors: u128 = 2 * 1536 + 2304 + 768 + 3072 + 768;
    let expected = 4 * (matrices + 12 * (per_layer_matrices + per_layer_vectors) + 1536);
    assert_eq!(
        r.term("optimizer-v-factored").unwrap().per_device.get(),
        expected
    );

    let mut bare = training(params(7_000_000_000));
    bare.training.optimizer = Optimizer::Adafactor;
    let err = estimate(&bare).unwrap_err();
    assert_eq!(err.field(), "optimizer");
    assert!(err.to_string().contains("choose a preset"));
}

#[test]
fn lora_trains_only_the_adapters() {
    let mut inputs = training(ModelChoice::Preset(Preset::Llama3_8b));
    inputs.training.finetune = Finetune::Lora;
    inputs.training.lora_rank = 16;
    inputs.training.lora_targets = LoraTargets::of(&[LoraMatrix::Q, LoraMatrix::V]);
    let r = estimate(&inputs).unwrap();
    // q: 16 x (4096 + 4096), v: 16 x (4096 + 1024), per layer, 32 layers.
    let adapters: u128 = 32 * 16 * ((4096 + 4096) + (4096 + 1024));
    assert_eq!(r.n_trainable, adapters);
    assert_eq!(
        r.term("adapter-weights").unwrap().per_device.get(),
        adapters * 2
    );
    assert_eq!(r.term("gradients").unwrap().per_device.get(), adapters * 2);
    assert_eq!(
        r.term("weights").unwrap().per_device.get(),
        Preset::Llama3_8b.published_params() * 2
    );

    inputs.training.finetune = Finetune::Qlora;
    let q = estimate(&inputs).unwrap();
    assert!(q.term("weight-scales").is_some());
    assert!(q.term("weights").unwrap().per_device < r.term("weights").unwrap().per_device);
}

// ---------------------------------------------------------------- activations (Korthikanti)

/// A GPT-3 175B layer as in Korthikanti et al. 2022 (s = 2048, h = 12288, a = 96): plain GELU
/// MLP of 4h, multi-head attention, dropout, 16-bit activations.
fn gpt3() -> Architecture {
    Architecture::new(ArchSpec {
        layers: 96,
        hidden: 12288,
        heads: 96,
        kv_heads: 96,
        head_dim: 128,
        ffn: 4 * 12288,
        vocab: 51200,
        embeddings: Embeddings::Tied,
        biases: Biases::All,
        mlp: Mlp::Plain,
        norm: Norm::Layer,
        positions: Positions::Learned(2048),
        max_context: Some(2048),
        ..ArchSpec::dense(96, 12288, 96, 96, 4 * 12288, 51200)
    })
    .unwrap()
}

fn layer_bytes(t: u64, sp: SequenceParallel, recompute: Recompute) -> u128 {
    let settings = TrainingSettings {
        seq_len: 2048,
        micro_batch: 1,
        tensor_parallel: t,
        sequence_parallel: sp,
        recompute,
        dropout: Dropout::On,
        recipe: Recipe::MixedBf16,
        ..TrainingSettings::default()
    };
    layer_activations(&gpt3(), &settings)
        .iter()
        .map(|(_, bytes)| bytes)
        .sum()
}

#[test]
fn korthikanti_activation_formulas_for_a_gpt3_layer() {
    let (s, b, h, a): (u128, u128, u128, u128) = (2048, 1, 12288, 96);
    let sbh = s * b * h;
    // Table 2, computed in integers: 5as/h x sbh = 5 a s^2 b.
    let attention_core = 5 * a * s * s * b;
    assert_eq!(
        layer_bytes(1, SequenceParallel::Off, Recompute::None),
        34 * sbh + attention_core
    );
    for t in [2u128, 4, 8] {
        let t64 = t as u64;
        // Tensor parallel: sbh(10 + 24/t + 5as/(ht)).
        assert_eq!(
            layer_bytes(t64, SequenceParallel::Off, Recompute::None),
            10 * sbh + 24 * sbh / t + attention_core / t
        );
        // Plus sequence parallel: sbh(34/t + 5as/(ht)).
        assert_eq!(
            layer_bytes(t64, SequenceParallel::On, Recompute::None),
            34 * sbh / t + attention_core / t
        );
        // Selective recomputation removes the 5as/h term.
        assert_eq!(
            layer_bytes(t64, SequenceParallel::Off, Recompute::Selective),
            10 * sbh + 24 * sbh / t
        );
        assert_eq!(
            layer_bytes(t64, SequenceParallel::On, Recompute::Selective),
            34 * sbh / t
        );
    }
    // Full recomputation keeps the layer input: 2sbh.
    assert_eq!(
        layer_bytes(1, SequenceParallel::Off, Recompute::Full),
        2 * sbh
    );
    // The no-recomputation layer is 34 x 25,165,824 + 5 x 96 x 2048^2 = 2,868,903,936 bytes:
    // about 2.87 GB per layer per sequence, which is why 175B models need all three tricks.
    assert_eq!(
        layer_bytes(1, SequenceParallel::Off, Recompute::None),
        2_868_903_936
    );
}

#[test]
fn training_ledger_multiplies_layers_and_adds_fp32_logits() {
    let mut inputs = training(ModelChoice::Preset(Preset::Gpt2));
    inputs.training.seq_len = 1024;
    inputs.training.micro_batch = 2;
    let r = estimate(&inputs).unwrap();
    let (s, b, h, a): (u128, u128, u128, u128) = (1024, 2, 768, 12);
    assert_eq!(
        r.term("activations").unwrap().per_device.get(),
        12 * (34 * s * b * h + 5 * a * s * s * b)
    );
    assert_eq!(
        r.term("logits").unwrap().per_device.get(),
        4 * s * b * 50257
    );
    assert!(r.term("activations").unwrap().detail.len() > 5);
}

// ---------------------------------------------------------------- KV cache

#[test]
fn kv_cache_for_a_gqa_model() {
    let mut inputs = inference(ModelChoice::Preset(Preset::Llama3_70b));
    inputs.inference.context = 8192;
    inputs.inference.batch = 4;
    let r = estimate(&inputs).unwrap();
    // 2 x 80 layers x 8 kv heads x 128 x 8192 tokens x 4 sequences x 2 bytes.
    let expected: u128 = 2 * 80 * 8 * 128 * 8192 * 4 * 2;
    let kv = r.term("kv-cache").unwrap();
    assert_eq!(kv.per_device.get(), expected);
    assert_eq!(kv.per_device.gib(), "10.00 GiB");
    assert!(kv.detail[0].contains("8x smaller"));

    // Split over 8 GPUs: one kv head each.
    inputs.hardware.count = 8;
    let r = estimate(&inputs).unwrap();
    assert_eq!(r.term("kv-cache").unwrap().per_device.get(), expected / 8);
    assert_eq!(r.term("kv-cache").unwrap().total.get(), expected);
}

#[test]
fn largest_context_and_batch_are_the_edge_of_fitting() {
    let mut inputs = inference(ModelChoice::Preset(Preset::Llama3_8b));
    inputs.hardware.gpu = Gpu::from_id("rtx-4090").unwrap();
    inputs.inference.batch = 32;
    let r = estimate(&inputs).unwrap();
    let Largest::Context(n) = r.largest else {
        panic!("expected a context limit, got {:?}", r.largest)
    };
    let fits = |context: u64| {
        let mut probe = inputs;
        probe.inference.context = context;
        matches!(estimate(&probe).unwrap().fit, Fit::Fits { .. })
    };
    assert!(fits(n) && !fits(n + 1), "{n}");

    let mut train = training(ModelChoice::Preset(Preset::Gpt2));
    train.hardware.gpu = Gpu::from_id("t4").unwrap();
    train.training.seq_len = 1024;
    let r = estimate(&train).unwrap();
    let Largest::MicroBatch(b) = r.largest else {
        panic!("expected a batch limit, got {:?}", r.largest)
    };
    let fits = |batch: u64| {
        let mut probe = train;
        probe.training.micro_batch = batch;
        matches!(estimate(&probe).unwrap().fit, Fit::Fits { .. })
    };
    assert!(fits(b) && !fits(b + 1), "{b}");

    let mut huge = inference(ModelChoice::Preset(Preset::Llama31_405b));
    huge.hardware.gpu = Gpu::from_id("t4").unwrap();
    assert_eq!(estimate(&huge).unwrap().largest, Largest::Nothing);
}

// ---------------------------------------------------------------- GPUs and units

#[test]
fn gpu_capacities_are_exact_and_say_their_unit() {
    let h100 = Gpu::from_id("h100-80gb").unwrap();
    assert_eq!(h100.capacity().get(), 81_559 * 1024 * 1024);
    assert_eq!(h100.capacity().gib(), "79.65 GiB");
    assert!(h100.capacity_note().contains("81,559 MiB"));
    let h200 = Gpu::from_id("h200").unwrap();
    assert_eq!(h200.capacity().get(), 143_771 * 1024 * 1024);
    let m = Gpu::from_id("apple-16gb").unwrap();
    assert_eq!(m.capacity().get(), 16 * GIB);
    for id in [
        "a100-40gb",
        "a100-80gb",
        "b200",
        "rtx-4090",
        "rtx-3090",
        "l4",
        "t4",
    ] {
        assert!(Gpu::from_id(id).is_some(), "{id}");
    }
}

#[test]
fn units_round_exactly() {
    assert_eq!(Bytes(145_412_407_296).gb(), "145.41 GB");
    assert_eq!(Bytes(145_412_407_296).gib(), "135.43 GiB");
    assert_eq!(Bytes(112_000_000_000).gib(), "104.31 GiB");
    assert_eq!(Bytes(995_000_000).gb(), "1.00 GB");
    assert_eq!(Bytes(1_234_567).to_string(), "1,234,567 bytes");
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_numbers_give_inline_errors_not_panics() {
    let mut inputs = Inputs::default();
    inputs.hardware.count = 0;
    let err = estimate(&inputs).unwrap_err();
    assert_eq!(err.field(), "gpus");
    assert!(err.to_string().contains("between 1 and"));

    let mut inputs = Inputs::default();
    inputs.hardware.count = 3;
    let err = estimate(&inputs).unwrap_err();
    assert!(err.to_string().contains("multiple of 3"), "{err}");

    let mut inputs = inference(ModelChoice::Preset(Preset::Gpt2));
    inputs.inference.context = 4096;
    assert!(estimate(&inputs)
        .unwrap_err()
        .to_string()
        .contains("1024 learned positions"));

    let mut inputs = training(params(7_000_000_000));
    inputs.training.tensor_parallel = 3;
    inputs.hardware.count = 8;
    assert_eq!(estimate(&inputs).unwrap_err().field(), "tp");

    // The largest inputs accepted still give exact numbers, not wrapped ones.
    let mut inputs = training(params(1_000_000_000_000_000));
    inputs.hardware.count = 1 << 20;
    let r = estimate(&inputs).unwrap();
    assert_eq!(r.per_device.get(), 16_000_000_000_000_000);
    assert_eq!(r.total.get(), 16_000_000_000_000_000 * (1u128 << 20));

    let (inputs, notices) = from_query(&pairs("params=1e30&gpus=0&batch=-1&weights=fp7"));
    assert_eq!(inputs, Inputs::default());
    let keys: Vec<&str> = notices.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, ["params", "weights", "batch", "gpus"]);
    assert!(notices[0].message.contains("10^15"));
}

// ---------------------------------------------------------------- URL state

#[test]
fn the_issue_query_reads_as_documented() {
    let (inputs, notices) = from_query(&pairs(
        "view=memory&model=qwen2-72b&mode=inference&weights=bf16",
    ));
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(inputs.model, ModelChoice::Preset(Preset::Qwen2_72b));
    assert_eq!(inputs.inference.weights, WeightFormat::Bf16);
    let (inputs, notices) = from_query(&pairs("params=7e9"));
    assert!(notices.is_empty());
    assert_eq!(inputs.model, params(7_000_000_000));
    assert_eq!(
        to_query(&inputs)[0],
        ("params".to_string(), "7e9".to_string())
    );
}

#[test]
fn every_setting_survives_the_url_round_trip() {
    let mut cases = vec![Inputs::default()];
    let mut a = training(ModelChoice::Preset(Preset::Llama31_405b));
    a.training = TrainingSettings {
        recipe: Recipe::Fp8,
        optimizer: Optimizer::Adam8bit,
        gradients: GradientCopy::Fp32,
        micro_batch: 3,
        seq_len: 8192,
        recompute: Recompute::Selective,
        dropout: Dropout::Off,
        tensor_parallel: 8,
        expert_parallel: 4,
        pipeline_parallel: 2,
        offload: Offload::All,
        sequence_parallel: SequenceParallel::On,
        zero: ZeroStage::Zero3,
        finetune: Finetune::Qlora,
        lora_rank: 64,
        lora_targets: LoraTargets::ALL,
    };
    a.hardware.gpu = Gpu::from_id("b200").unwrap();
    a.hardware.count = 512;
    a.unit = UnitLead::Gib;
    cases.push(a);
    let mut b = inference(ModelChoice::Custom(gpt3()));
    b.inference.weights = WeightFormat::Nf4;
    b.inference.group = Some(64);
    b.inference.double_quant = DoubleQuant::Off;
    b.inference.kv = KvFormat::Fp8;
    b.inference.context = 2000;
    b.inference.batch = 7;
    cases.push(b);
    let mut c = inference(params(72_700_000_000));
    c.inference.weights = WeightFormat::Int4;
    c.inference.group = Some(32);
    cases.push(c);
    for inputs in cases {
        let query = to_query(&inputs);
        let (back, notices) = from_query(&query);
        assert!(notices.is_empty(), "{query:?}: {notices:?}");
        assert_eq!(back, inputs, "{query:?}");
    }
}

// ---------------------------------------------------------------- chart

#[test]
fn the_chart_draws_each_category_against_the_capacity_line() {
    use precision_lab::plot::memory::memory_chart;
    use precision_lab::plot::Theme;
    let mut inputs = training(ModelChoice::Preset(Preset::Mistral7b));
    inputs.hardware.count = 2;
    inputs.training.zero = ZeroStage::Zero3;
    let report = estimate(&inputs).unwrap();
    let gpu = inputs.hardware.gpu;
    let plot = memory_chart(&report, gpu.name(), UnitLead::Gib, Theme::Dark);
    let svg = &plot.svg;
    assert!(
        svg.starts_with("<svg") && svg.contains("viewBox=\"0 0 330 "),
        "{svg}"
    );
    assert!(svg.contains("Memory per GPU (GiB)"));
    for category in [
        Category::Weights,
        Category::TrainingState,
        Category::Activations,
    ] {
        let line = format!(
            "{}: {}",
            category.label(),
            report.per_device_of(&[category]).gib()
        );
        assert!(svg.contains(&line), "missing {line}");
    }
    assert!(svg.contains("NVIDIA H100 80GB HBM3: 79.65 GiB"));
    assert!(svg.contains(">GPU 1<") && svg.contains(">GPU 2<"));
    // Two bars of four segments (weights, state, activations, buffers).
    assert_eq!(svg.matches("data-category=").count(), 2 * 4);

    // Text is escaped, and many GPUs collapse into one bar.
    let mut many = inference(ModelChoice::Preset(Preset::Llama3_70b));
    many.hardware.count = 64;
    let report = estimate(&many).unwrap();
    let svg = memory_chart(&report, "<b>&", UnitLead::Gb, Theme::Light).svg;
    assert!(svg.contains("&lt;b&gt;&amp;") && !svg.contains("<b>"));
    assert!(svg.contains("each of 64 GPUs"));
}

/// The chart reads on a phone and on a desktop: text no smaller than 11 user units (the chart is
/// 330 wide, 11 px or more in a 375 px phone's column), a few grid lines, the capacity label above the bars
/// and each bar's label above its bar, not on it.
#[test]
fn the_chart_keeps_its_labels_readable_and_off_the_bars() {
    use precision_lab::plot::memory::memory_chart;
    use precision_lab::plot::Theme;
    let mut inputs = training(ModelChoice::Preset(Preset::Mistral7b));
    inputs.hardware.count = 4;
    inputs.training.zero = ZeroStage::Zero3;
    let report = estimate(&inputs).unwrap();
    let svg = memory_chart(&report, "NVIDIA H100 80GB HBM3", UnitLead::Gb, Theme::Light).svg;
    let attr = |tag: &str, name: &str| -> Vec<f64> {
        svg.split(&format!("<{tag} "))
            .skip(1)
            .filter_map(|t| {
                let at = t.find(&format!(" {name}=\""))? + name.len() + 3;
                t[at..].split('"').next()?.parse().ok()
            })
            .collect()
    };
    for size in attr("text", "font-size") {
        assert!(size >= 11.0, "text of {size} units");
    }
    assert!(svg.contains("font-size=\"11\""), "the default size is 11");
    // Grid lines: the frame draws them as one path in the grid colour, one segment each.
    let grid = svg
        .split("<path ")
        .find(|p| p.contains("stroke=\"#e0e0e0\""))
        .expect("a grid path");
    let lines = grid
        .split("d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .matches('M')
        .count();
    assert!((2..=5).contains(&lines), "{lines} grid lines");
    let bar_tops = attr("rect", "y");
    let label = |text: &str| -> f64 {
        let at = svg.find(&format!(">{text}<")).expect(text);
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        let y = tag.find(" y=\"").unwrap() + 4;
        tag[y..].split('"').next().unwrap().parse().unwrap()
    };
    let first_bar = bar_tops
        .iter()
        .copied()
        .filter(|y| *y > 20.0)
        .fold(f64::INFINITY, f64::min);
    let capacity = format!("NVIDIA H100 80GB HBM3: {}", report.capacity.gb());
    assert!(
        label(&capacity) < first_bar,
        "the capacity label sits above the bars"
    );
    assert!(label("GPU 1") < first_bar, "a bar's label sits above it");
}

/// One bad field of a custom architecture is refused on its own (with a notice naming it); the
/// rest of the architecture stays.
#[test]
fn a_bad_custom_field_keeps_the_rest_of_the_architecture() {
    let pairs: Vec<(String, String)> = [
        ("model", "custom"),
        ("layers", "12"),
        ("hidden", "768"),
        ("heads", "12"),
        ("kv_heads", "12"),
        ("head_dim", "64"),
        ("ffn", "3072"),
        ("vocab", "50257"),
        ("positions", "9999999999"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (inputs, notices) = precision_lab::memory::from_query(&pairs);
    let arch = inputs
        .model
        .architecture()
        .expect("the custom architecture stays");
    assert_eq!((arch.layers(), arch.hidden()), (12, 768));
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].key, "positions");
    assert!(notices[0].message.contains("rope or a learned table size"));
}
