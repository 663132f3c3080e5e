//! The Learn article's numbers: the `torch.finfo` printout, the model-states ledger, the seed
//! note's memory examples in both units, and the loss-scaling demo.

use precision_lab::present::learn::{
    article, finfo_rows, loss_points, memory_examples, model_state_bytes_per_param, torch_g, Block,
    Demo, DemoReadout, Phase, ARTICLE_HTML, DEMO_STEPS, MODEL_STATES, PARTS,
};
use precision_lab::route::Query;

#[track_caller]
fn check_g(x: f64, want: &str) {
    assert_eq!(torch_g(x), want, "%g of {x:e}");
}

#[test]
fn torch_g_writes_numbers_as_printf_g_with_six_digits() {
    check_g(2f64.powi(-10), "0.000976562"); // an exact tie, 9.765625e-4: ties to even
    check_g(2f64.powi(-14), "6.10352e-05");
    check_g(2f64.powi(-23), "1.19209e-07");
    check_g(2f64.powi(-126), "1.17549e-38");
    check_g(2f64.powi(-7), "0.0078125");
    check_g(65504.0, "65504");
    check_g(-65504.0, "-65504");
    check_g(1e-6, "1e-06");
    check_g(0.001, "0.001");
    check_g(0.01, "0.01");
    check_g(f32::MAX as f64, "3.40282e+38");
    check_g(-(f32::MAX as f64), "-3.40282e+38");
    check_g(3.3895313892515355e38, "3.38953e+38");
    check_g(0.0001, "0.0001");
    check_g(0.00001, "1e-05");
    check_g(123456.0, "123456");
    check_g(1234567.0, "1.23457e+06");
    check_g(999999.5, "1e+06"); // rounds up into the next decade, then goes scientific
    check_g(0.5, "0.5");
    check_g(1.0, "1");
    check_g(0.0, "0");
    check_g(1e300, "1e+300");
    check_g(f64::INFINITY, "inf");
}

#[test]
fn finfo_printouts_match_pytorch_as_the_note_prints_them() {
    // The three lines of the seed note, as PyTorch printed them.
    let want = [
        "finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, smallest_normal=6.10352e-05, tiny=6.10352e-05, dtype=float16)",
        "finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=float32)",
        "finfo(resolution=0.01, min=-3.38953e+38, max=3.38953e+38, eps=0.0078125, smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=bfloat16)",
    ];
    let rows = finfo_rows();
    assert_eq!(rows.len(), 3);
    for (row, want) in rows.iter().zip(want) {
        assert_eq!(row.printout(), want);
    }
    // The exact values behind the rounded digits.
    let fp16 = &rows[0];
    assert_eq!(fp16.max, 65504.0);
    assert_eq!(fp16.eps, 2f64.powi(-10));
    assert_eq!(fp16.smallest_normal, 2f64.powi(-14));
    let bf16 = &rows[2];
    assert_eq!(bf16.max, (2.0 - 2f64.powi(-7)) * 2f64.powi(127));
    assert_eq!(
        bf16.smallest_normal, rows[1].smallest_normal,
        "fp32 and bf16 share the exponent"
    );
    assert_eq!(rows[1].max, f32::MAX as f64);
}

#[test]
fn mixed_precision_adam_keeps_sixteen_bytes_per_parameter() {
    assert_eq!(model_state_bytes_per_param(), 16);
    // Each line's term is its own bytes per parameter times N (a 4-byte line is 4N, not the 12N
    // of the three fp32 lines together).
    for line in MODEL_STATES {
        assert_eq!(
            line.term,
            format!("{}N", line.bytes_per_param),
            "{}",
            line.what
        );
    }
    let fp32_lines: u32 = MODEL_STATES
        .iter()
        .filter(|l| l.what.starts_with("fp32"))
        .map(|l| l.bytes_per_param)
        .sum();
    assert_eq!(fp32_lines, 12, "ZeRO's K = 12");
}

#[test]
fn the_article_is_sections_of_static_html_and_known_widgets() {
    let article = article();
    let ids: Vec<&str> = article.sections.iter().map(|s| s.id).collect();
    assert_eq!(
        ids,
        [
            "why-fp32",
            "how-stored",
            "formats",
            "range-precision",
            "mixed-precision",
            "block-scaling",
            "memory",
            "next",
            "sources"
        ]
    );
    assert!(
        article.intro.contains("the note"),
        "the note is introduced at the top"
    );
    let mut parts = Vec::new();
    for section in &article.sections {
        assert!(
            !section.title.is_empty() && !section.blocks.is_empty(),
            "{}",
            section.id
        );
        for block in &section.blocks {
            match block {
                Block::Part(name) => parts.push(*name),
                Block::Html(html) => check_static_html(html),
            }
        }
    }
    check_static_html(article.intro);
    let mut known = PARTS.to_vec();
    known.sort_unstable();
    let mut named = parts.clone();
    named.sort_unstable();
    assert_eq!(
        named, known,
        "every widget the page knows is placed once, and no other"
    );
}

/// The article's HTML is shown as written, so it must stay inert, well-nested text.
#[track_caller]
fn check_static_html(html: &str) {
    let lower = html.to_lowercase();
    for banned in [
        "<script",
        "javascript:",
        " on",
        " style=",
        " id=",
        "<iframe",
        "<!--",
        "seed",
    ] {
        // " on" would also match prose; only attributes matter: look inside tags.
        if banned == " on" {
            for tag in lower.split('<').skip(1).filter_map(|t| t.split('>').next()) {
                assert!(
                    !tag.split_whitespace()
                        .skip(1)
                        .any(|attr| attr.starts_with("on")),
                    "an event attribute in <{tag}>"
                );
            }
            continue;
        }
        assert!(!lower.contains(banned), "{banned:?} in the article's HTML");
    }
    // Every element that is opened is closed, in order (the few void elements aside).
    let mut open: Vec<String> = Vec::new();
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or_default())
    {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if ["br", "img", "hr", "wbr"].contains(&name.as_str()) {
            continue;
        }
        if tag.starts_with('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(name.as_str()),
                "</{name}> closes nothing open"
            );
        } else {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "unclosed {open:?}");
}

/// Figures the article states in words, worked out here from first principles and checked in its
/// text (the fact-check of the note's and the article's claims).
#[test]
fn the_articles_corrected_figures_hold() {
    let text = ARTICLE_HTML;
    let has = |s: &str| assert!(text.contains(s), "the article says {s:?}");
    // fp32's resolution: eps = 2^-23 = 1.19e-7; 10^-floor(-log10 eps) = 10^-6, which is eps
    // rounded *up* to a power of ten.
    let eps = 2f64.powi(-23);
    let resolution = 10f64.powi(-((-eps.log10()).floor() as i32));
    assert!(resolution > eps && resolution == 1e-6);
    has("eps rounded up to a power of ten");
    assert!(!text.contains("rounded down"));
    // fp16 subnormals: half of the smallest subnormal 2^-24 is 2^-25, a tie between 0 and 2^-24
    // that goes to the even code (zero); anything above it rounds up to 2^-24.
    let fp16: precision_lab::formats::Format = "fp16".parse().unwrap();
    let rne = precision_lab::formats::Rounding::NearestEven;
    let over = precision_lab::formats::Overflow::Default;
    assert_eq!(fp16.encode(2f64.powi(-25), rne, over), 0);
    assert_eq!(fp16.encode(2f64.powi(-25) * 1.5, rne, over), 1);
    has("a gradient between 2^-25 and 2^-24 rounds up to 2^-24, but one at or below 2^-25");
    // The note's inference figure: 7e9 x 2 bytes = 14 GB = 13.04 GiB.
    let bytes = 7e9 * 2.0;
    assert_eq!(format!("{:.2}", bytes / 2f64.powi(30)), "13.04");
    assert_eq!(bytes / 1e9, 14.0);
    has("7 × 10^9 × 2 bytes is 14 GB = 13.04 GiB");
    // fp64 tensor cores exist (A100 19.5, H100 SXM 67 TFLOPS); bf16 peak is 989 dense.
    has("19.5 and about 67 TFLOPS");
    has("989 dense TFLOPS in bf16");
    // nf4's eps: its largest level is 1, the next one down 0.7229568362236023.
    let nf4: precision_lab::formats::Format = "nf4".parse().unwrap();
    let top = nf4.encode(1.0, rne, over);
    assert_eq!(nf4.decode(top), 1.0);
    let below = nf4.decode(nf4.next_down(top).unwrap());
    assert_eq!(format!("{below:.4}"), "0.7230");
    // ... and the eps the table shows is the gap itself, 1 - 0.7230 = 0.2770.
    use precision_lab::present::formats::{fact_row, FACT_COLUMNS};
    let entry = precision_lab::formats::catalogue()
        .iter()
        .find(|e| e.name == "nf4")
        .expect("nf4 is in the catalogue");
    let column = FACT_COLUMNS
        .iter()
        .position(|c| *c == "eps")
        .expect("an eps column");
    let eps = fact_row(entry)[column].clone();
    assert_eq!(format!("{:.4}", 1.0 - below), "0.2770");
    assert!(eps.starts_with("0.2770"), "{eps}");
    has("the gap from 1 down to the next level (0.7230): 0.2770");
    has("new floating-point tensors default to torch.float32");
    has("products of fp16 matrix multiplications are accumulated in fp32");
    has("torch.autocast");
}

#[test]
fn the_notes_memory_examples_are_recomputed_in_both_units() {
    let examples = memory_examples();
    let find = |id: &str| examples.iter().find(|e| e.id == id).expect(id).clone();
    let qwen = find("qwen2-72b-bf16-weights");
    assert_eq!(qwen.bytes.get(), 72_706_203_648 * 2);
    assert_eq!(qwen.gib, "135.43 GiB");
    assert_eq!(qwen.gb, "145.41 GB");
    assert!(qwen.href.starts_with("?view=memory&"), "{}", qwen.href);
    assert!(qwen.href.contains("qwen"), "{}", qwen.href);
    let train = find("mistral-7b-adam-training");
    assert_eq!(train.bytes.get(), 7_000_000_000 * 16);
    assert_eq!(
        (train.gb.as_str(), train.gib.as_str()),
        ("112.00 GB", "104.31 GiB")
    );
    let infer = find("mistral-7b-inference-weights");
    assert_eq!(infer.bytes.get(), 7_000_000_000 * 2);
    assert_eq!(
        (infer.gb.as_str(), infer.gib.as_str()),
        ("14.00 GB", "13.04 GiB")
    );
}

#[test]
fn without_loss_scaling_the_hard_run_loses_every_gradient_and_with_it_learns() {
    let run = |scaling: bool| {
        let demo = Demo { scaling };
        let mut session = demo.session();
        let before = session.lanes()[0].run.evaluate().loss;
        session.slice(DEMO_STEPS as u32);
        (before, DemoReadout::of(demo, &session))
    };
    let (start, off) = run(false);
    let (start_on, on) = run(true);
    assert_eq!(start, start_on, "both runs start from the same weights");
    assert_eq!(off.steps, DEMO_STEPS);
    assert!(off.done && on.done);
    assert_eq!(off.flushed, "100%", "every logit gradient underflows fp16");
    assert_eq!(off.zeros, "100%");
    assert_eq!(
        off.eval_loss,
        Some(start),
        "without scaling no gradient survives, so the weights never move"
    );
    // Early on the scale lifts every logit gradient into range; as the network learns, the
    // gradients of points it already gets right shrink below even the scaled range.
    assert!(
        on.flushed_share < 0.5,
        "the loss scale lifts most of them into range: {}",
        on.flushed
    );
    let end = on.eval_loss.expect("a loss");
    assert!(
        end < 0.5 * start,
        "with scaling the loss falls: {start} -> {end}"
    );
    assert!(on.loss_scale.starts_with("2^"), "{}", on.loss_scale);
    for phase in Phase::ALL {
        assert!(!phase.readout(&on).is_empty());
        assert!(!phase.readout(&off).is_empty());
    }
    assert_eq!(Phase::Update.next(), Phase::Master);
}

#[test]
fn the_demo_state_reads_and_writes_scaling() {
    assert!(Demo::from_query(&Query::default()).scaling);
    let (q, _) = Query::parse("scaling=off");
    let demo = Demo::from_query(&q);
    assert!(!demo.scaling);
    let mut out = Query::default();
    demo.write(&mut out);
    assert_eq!(out.to_search(), "?scaling=off");
    assert_eq!(Demo { scaling: true }.policy().name(), "fp16-amp");
    assert_eq!(demo.policy().name(), "fp16-master");
}

#[test]
fn loss_points_fit_the_box() {
    let points = loss_points(&[0.8, 0.4, f32::NAN, 2.0], 400.0, 100.0, 0.8);
    assert_eq!(points, "1.0,0.0 2.0,50.0 4.0,0.0");
}

/// The block-scaling section's figures are the engine's, for the values its widget starts with.
#[test]
fn the_block_scaling_section_says_what_the_engine_does() {
    use precision_lab::formats::nvfp4;
    use precision_lab::formats::Rounding;
    let mut values = vec![10.5, 6.0];
    values.extend([1.0; 14]);
    values.extend([0.001, -0.0005, 0.000001, 0.0]);
    let (tensor, blocks) = nvfp4::quantize(&values, Rounding::NearestEven);
    assert_eq!(tensor.encode, 256.0);
    assert_eq!((blocks[0].scale, blocks[1].scale), (448.0, 0.04296875));
    let first = &blocks[0].elements;
    assert_eq!((first[0].value, first[2].value), (10.5, 0.875));
    let second = &blocks[1].elements;
    for e in &second[..2] {
        assert!(
            (e.value / e.input - 1.0).abs() < 0.01,
            "{} -> {}",
            e.input,
            e.value
        );
    }
    assert_eq!(second[2].value, 0.0);
    assert_eq!(nvfp4::BITS_PER_ELEMENT, 4.5);
    for figure in [
        "S = 256",
        "448 / 256 = 1.75",
        "0.875",
        "0.04296875",
        "within 1%",
        "4.5 bits",
    ] {
        assert!(ARTICLE_HTML.contains(figure), "{figure}");
    }
}

#[test]
fn the_block_scaling_sections_trainer_link_opens_its_scenario_and_the_claim_holds() {
    use precision_lab::present::train::{Scenario, TrainState};
    use precision_lab::train::{Policy, Run};
    let marker = "data-testid=\"learn-blocks-trainer\"";
    let at = ARTICLE_HTML
        .find(marker)
        .expect("the article links the trainer");
    let tag_start = ARTICLE_HTML[..at].rfind("<a ").expect("a link");
    let tag = &ARTICLE_HTML[tag_start..at];
    let href = tag.split("href=\"").nth(1).expect("an href");
    let href = &href[..href.find('"').expect("a closed href")];
    let (query, _) = Query::parse(&href.replace("&amp;", "&"));
    let (state, notices) = TrainState::from_query(&query);
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(state.scenario(), Some(Scenario::TinyBlocks));
    // "NVFP4 without its tensor scale loses every gradient of its hidden layers": every nonzero
    // gradient of a block-scaled layer reads back as zero, step after step.
    let policy = Policy::from_name("nvfp4-no-tensor-scale").expect("a recipe");
    let mut run = Run::new(state.run_config(policy)).expect("the scenario runs");
    for record in run.step_n(50) {
        for t in record.tensors.iter().filter_map(|t| t.blocks) {
            assert_eq!(t.flushed, t.nonzero);
        }
    }
    assert!(run.block_totals().nonzero > 0);
}
