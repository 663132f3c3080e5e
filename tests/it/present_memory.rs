//! The Memory view's model: URL state, typed-input checks and the text of the ledger, checked
//! against byte counts worked out by hand (not by calling the budget's own helpers).

use precision_lab::memory::{estimate, Bytes, Inputs, Mode, ModelChoice, Preset, UnitLead};
use precision_lab::present::memory::{
    choice_value, keys, largest_sentence, number_field, number_fields, number_value, options,
    parse_whole, read, rows, seed_rows, summary, verdict, with_choice, with_number, with_params,
    write,
};
use precision_lab::route::Query;

fn inputs(search: &str) -> Inputs {
    let (query, _) = Query::parse(search);
    let (inputs, notices) = read(&query);
    assert!(notices.is_empty(), "{search}: {notices:?}");
    inputs
}

#[track_caller]
fn check_bytes(search: &str, row: &str, want: u128) {
    let report = estimate(&inputs(search)).expect("budget");
    let got = if row == "total" {
        report.per_device.get()
    } else {
        report.term(row).expect("row exists").per_device.get()
    };
    assert_eq!(got, want, "{search} {row}");
}

#[test]
fn qwen2_72b_bf16_inference_counts_every_byte() {
    let search = "?view=memory&model=qwen2-72b&mode=inference&weights=bf16";
    // 2 bytes x 72,706,203,648 params.
    check_bytes(search, "weights", 145_412_407_296);
    // 2 (K, V) x 80 layers x 8 kv heads x 128 head dim x 4096 tokens x 1 sequence x 2 bytes.
    check_bytes(search, "kv-cache", 1_342_177_280);
    // 2 bytes x 4096 tokens x (2 x 8192 + 2 x 29568).
    check_bytes(search, "activations", 618_659_840);
    // 4 bytes x 152,064 vocab.
    check_bytes(search, "logits", 608_256);
    let report = estimate(&inputs(search)).unwrap();
    let logits = rows(&report, UnitLead::Gb)
        .into_iter()
        .find(|r| r.id == "logits")
        .unwrap();
    // Small terms keep three significant digits instead of reading "0.00 GB".
    assert_eq!(
        logits.per_device,
        ("0.000608 GB".into(), "0.000566 GiB".into())
    );
    assert_eq!(
        logits.formula,
        "4 bytes (fp32) x 1 sequence x 152,064 vocab = 0.000608 GB = 0.000566 GiB"
    );
    check_bytes(
        search,
        "total",
        145_412_407_296 + 1_342_177_280 + 618_659_840 + 608_256,
    );
}

#[test]
fn seven_billion_params_mixed_adam_training_is_112_gb() {
    check_bytes(
        "?view=memory&params=7e9&mode=training",
        "total",
        112_000_000_000,
    );
    let report = estimate(&inputs("?view=memory&params=7e9&mode=training")).unwrap();
    let table = rows(&report, UnitLead::Gb);
    let ids: Vec<&str> = table.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [
            "weights",
            "master-weights",
            "gradients",
            "optimizer-m",
            "optimizer-v"
        ]
    );
    let weights = &table[0];
    assert_eq!(weights.bytes, "14000000000");
    assert_eq!(weights.bytes_text, "14,000,000,000");
    assert_eq!(weights.per_device, ("14.00 GB".into(), "13.04 GiB".into()));
    assert_eq!(
        weights.formula,
        "2 bytes x 7,000,000,000 params = 14.00 GB = 13.04 GiB"
    );
    let gib_first = rows(&report, UnitLead::Gib);
    assert_eq!(
        gib_first[0].per_device,
        ("13.04 GiB".into(), "14.00 GB".into())
    );
    assert!(verdict(&report, UnitLead::Gb).starts_with("Does not fit: 112.00 GB = 104.31 GiB"));
}

#[test]
fn the_url_round_trips_and_keeps_foreign_keys() {
    let (mut query, _) = Query::parse("?view=memory&theme=dark&params=7e9&mode=training&gpus=8");
    let (mut state, _) = read(&query);
    state.training.micro_batch = 4;
    write(&state, &mut query);
    assert_eq!(query.get("view"), Some("memory"));
    assert_eq!(query.get("theme"), Some("dark"));
    assert_eq!(query.get("micro_batch"), Some("4"));
    assert_eq!(query.get("gpus"), Some("8"));
    assert_eq!(read(&query).0, state);
    // A preset replaces a typed count in the URL.
    let next = with_choice(&state, "model", "mistral-7b").unwrap();
    write(&next, &mut query);
    assert_eq!(query.get("params"), None);
    assert_eq!(query.get("model"), Some("mistral-7b"));
    // Writing replaces exactly the calculator's keys: every key it writes is one it owns, and
    // the other keys stay as they were.
    let owned = keys();
    let foreign: Vec<(String, String)> = query
        .pairs()
        .iter()
        .filter(|(k, _)| !owned.contains(&k.as_str()))
        .cloned()
        .collect();
    assert!(!foreign.is_empty());
    write(&next, &mut query);
    for (key, value) in query.pairs() {
        let kept = foreign.iter().any(|(k, v)| k == key && v == value);
        assert!(kept || owned.contains(&key.as_str()), "{key}");
    }
    for (key, value) in &foreign {
        assert_eq!(query.get(key), Some(value.as_str()), "{key}");
    }
}

#[test]
fn typed_numbers_are_checked_at_the_edge() {
    let gpus = number_field("gpus").unwrap();
    assert_eq!(parse_whole("8", &gpus), Ok(8));
    assert_eq!(parse_whole(" 1,024 ", &gpus), Ok(1024));
    for bad in [
        "0",
        "-1",
        "abc",
        "",
        "1.5",
        "99999999999999999999999",
        "1e3",
    ] {
        let message = parse_whole(bad, &gpus).expect_err(bad);
        assert!(message.ends_with('.'), "{bad}: {message}");
    }
    assert!(parse_whole("0", &gpus)
        .unwrap_err()
        .contains("from 1 to 1,048,576"));
    assert!(parse_whole("-3", &gpus).unwrap_err().contains("negative"));
    // Every field's range matches what the URL accepts: its bounds survive a round trip.
    let base = inputs("?view=memory&model=custom&layers=32&hidden=4096&heads=32&kv_heads=8&head_dim=128&ffn=14336&vocab=128256");
    for f in number_fields() {
        for value in [f.min, f.max] {
            let Ok(next) = with_number(&base, f.key, value) else {
                continue; // an architecture that does not check out (e.g. 1 head of 2^20 dims)
            };
            let mut query = Query::default();
            write(&next, &mut query);
            let (back, notices) = read(&query);
            assert!(notices.is_empty(), "{} = {value}: {notices:?}", f.key);
            assert_eq!(back, next, "{} = {value}", f.key);
        }
    }
    assert!(with_number(&base, "group", 100).is_err());
    assert_eq!(number_value(&base, "layers"), Some(32));
    assert_eq!(number_value(&inputs("?view=memory"), "layers"), None);
}

#[test]
fn typed_parameter_counts_never_overflow() {
    let base = Inputs::default();
    let n = with_params(&base, "7B").unwrap();
    assert_eq!(n.model.n_params(), 7_000_000_000);
    assert_eq!(
        with_params(&base, "7,241,732,096")
            .unwrap()
            .model
            .n_params(),
        7_241_732_096
    );
    for bad in ["1e30", "-7B", "seven", "", "0"] {
        assert!(with_params(&base, bad).is_err(), "{bad}");
    }
}

#[test]
fn every_menu_choice_applies_and_reads_back() {
    let base = inputs("?view=memory&model=custom&layers=32&hidden=4096&heads=32&kv_heads=8&head_dim=128&ffn=14336&vocab=128256");
    for key in [
        "model",
        "mode",
        "weights",
        "kv",
        "recipe",
        "optimizer",
        "grads",
        "recompute",
        "zero",
        "finetune",
        "gpu",
        "bias",
        "mlp",
        "norm",
    ] {
        let menu = options(key);
        assert!(menu.len() >= 2, "{key}");
        for (id, label) in menu {
            assert!(!label.is_empty());
            let next = with_choice(&base, key, id).unwrap_or_else(|e| panic!("{key}={id}: {e}"));
            assert_eq!(choice_value(&next, key), id, "{key}");
        }
    }
    for key in ["dq", "dropout", "sp", "tied", "lora-q", "lora-down"] {
        for id in ["on", "off"] {
            let next = with_choice(&base, key, id).unwrap();
            assert_eq!(choice_value(&next, key), id, "{key}");
        }
    }
    // LoRA keeps at least one target.
    let only_q = with_choice(&base, "lora-v", "off").unwrap();
    assert!(with_choice(&only_q, "lora-q", "off").is_err());
    assert!(with_choice(&base, "weights", "fp7").is_err());
    assert!(with_choice(&inputs("?view=memory"), "tied", "on").is_err());
    // Presets switch to a custom architecture with their own shape.
    let custom = with_choice(&Inputs::default(), "model", "custom").unwrap();
    assert_eq!(custom.model.n_params(), 72_706_203_648);
    let params = with_choice(&Inputs::default(), "model", "params").unwrap();
    assert_eq!(params.model.n_params(), 72_706_203_648);
    assert!(matches!(params.model, ModelChoice::Params(_)));
}

#[test]
fn amounts_are_exact_and_never_read_zero() {
    use precision_lab::present::memory::amount;
    #[track_caller]
    fn check(bytes: u128, gb: &str, gib: &str) {
        assert_eq!(amount(Bytes(bytes), false), gb, "{bytes} bytes");
        assert_eq!(amount(Bytes(bytes), true), gib, "{bytes} bytes");
    }
    check(145_412_407_296, "145.41 GB", "135.43 GiB");
    check(112_000_000_000, "112.00 GB", "104.31 GiB");
    check(1 << 30, "1.07 GB", "1.00 GiB");
    check(0, "0.00 GB", "0.00 GiB");
    check(1, "0.00000000100 GB", "0.000000000931 GiB");
    // Half up at the last place: 5,000,000 bytes = 0.005 GB exactly.
    check(5_000_000, "0.00500 GB", "0.00466 GiB");
    check(9_995_000_000, "10.00 GB", "9.31 GiB");
}

#[test]
fn sentences_say_which_unit() {
    let report = estimate(&Inputs::default()).unwrap();
    let text = summary(&report, &Inputs::default());
    assert!(
        text.starts_with("Qwen2-72B: 72,706,203,648 parameters, inference on 1 x NVIDIA H100"),
        "{text}"
    );
    assert!(text.contains("85.52 GB = 79.65 GiB"), "{text}");
    let v = verdict(&report, UnitLead::Gib);
    assert!(
        v.starts_with("Does not fit: 137.25 GiB = 147.37 GB per GPU"),
        "{v}"
    );
    let mistral = Inputs {
        model: ModelChoice::Preset(Preset::Mistral7b),
        ..Inputs::default()
    };
    let report = estimate(&mistral).unwrap();
    let sentence = largest_sentence(&report, &mistral);
    assert!(
        sentence.starts_with(
            "Longest context that fits on each NVIDIA H100 80GB HBM3 at a batch of 1 sequence:"
        ) || sentence.contains("32,768 tokens"),
        "{sentence}"
    );
    let mut training = Inputs {
        mode: Mode::Training,
        model: ModelChoice::Preset(Preset::Gpt2),
        ..Inputs::default()
    };
    // GPT-2 learned 1024 positions; the default 2048-token sequence is refused for it.
    assert_eq!(estimate(&training).unwrap_err().field(), "seq");
    training.training.seq_len = 1024;
    let report = estimate(&training).unwrap();
    assert!(largest_sentence(&report, &training).starts_with("Largest micro-batch"));
}

#[test]
fn the_seed_check_reproduces_the_three_examples() {
    let seed = seed_rows();
    let bytes: Vec<&str> = seed.iter().map(|s| s.bytes.as_str()).collect();
    assert_eq!(bytes, ["145412407296", "112000000000", "14000000000"]);
    assert!(seed[0].verdict.contains("135.43 GiB"));
    assert!(seed[1].verdict.contains("104.31 GiB"));
    // Each example opens as a URL the page reads back to the same inputs.
    for row in &seed {
        let mut query = Query::from_pairs([("view", "memory")]);
        write(&row.inputs, &mut query);
        assert_eq!(read(&query).0, row.inputs, "{}", row.id);
    }
}

/// A preset brings inputs that fit it: a context or sequence length longer than a learned
/// position table is budgeted at the table's size, with a note, and the reader's own value stays
/// in the inputs for the next model.
#[test]
fn values_a_model_cannot_take_are_fitted_with_a_note_and_kept() {
    use precision_lab::present::memory::fit_to_model;
    let mut inputs = Inputs {
        model: ModelChoice::Preset(Preset::Gpt2),
        ..Inputs::default()
    };
    inputs.inference.context = 4096;
    let (fitted, notes) = fit_to_model(&inputs);
    assert_eq!(fitted.inference.context, 1024);
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].key, notes[0].asked, notes[0].used),
        ("context", 4096, 1024)
    );
    assert!(
        notes[0].note.contains("1,024") && notes[0].note.contains("4,096"),
        "{}",
        notes[0].note
    );
    assert!(estimate(&fitted).is_ok(), "the fitted inputs make a budget");
    assert!(estimate(&inputs).is_err(), "the raw ones would not");
    // Training: the sequence length.
    inputs.mode = Mode::Training;
    inputs.training.seq_len = 2048;
    let (fitted, notes) = fit_to_model(&inputs);
    assert_eq!((fitted.training.seq_len, notes[0].key), (1024, "seq"));
    // Another model takes the reader's value as it is.
    inputs.model = ModelChoice::Preset(Preset::Mistral7b);
    let (fitted, notes) = fit_to_model(&inputs);
    assert_eq!(fitted.training.seq_len, 2048);
    assert!(notes.is_empty());
    // Within the table nothing changes.
    inputs.model = ModelChoice::Preset(Preset::Gpt2);
    inputs.training.seq_len = 512;
    assert_eq!(fit_to_model(&inputs), (inputs, Vec::new()));
}

/// The default page (Qwen2-72B in bf16 on one H100) does not fit; the page says how many H100s
/// it needs, and that count does fit while one fewer does not.
#[test]
fn a_model_that_does_not_fit_is_told_how_many_gpus_it_needs() {
    use precision_lab::present::memory::{fits, gpus_needed};
    let inputs = Inputs::default();
    assert!(!fits(&estimate(&inputs).unwrap()));
    let n = gpus_needed(&inputs).expect("some count fits");
    let with = |count: u64| {
        let mut probe = inputs;
        probe.hardware.count = count;
        estimate(&probe)
    };
    assert!(fits(&with(n).unwrap()), "{n} GPUs fit");
    assert!(
        (1..n).all(|k| with(k).map_or(true, |r| !fits(&r))),
        "fewer than {n} do not"
    );
    assert_eq!(n, 2, "145.4 GB of weights over two 85.5 GB H100s");
    let mut training = inputs;
    training.mode = Mode::Training;
    assert_eq!(
        gpus_needed(&training),
        None,
        "training needs a sharding choice, not a count"
    );
}
