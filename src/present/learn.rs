//! The Learn article's model: every number the article prints that is not inside another view's
//! widget, computed from the engines, plus the state of its small loss-scaling run.
//!
//! Owns the `torch.finfo`-style table ([`finfo_rows`], formatted by [`torch_g`] exactly as PyTorch
//! prints it), the model-states ledger of mixed-precision Adam ([`MODEL_STATES`]), the seed note's
//! memory examples with both units ([`memory_examples`]), the loss-scaling demo ([`Demo`], built
//! on `present::train::Session` with the "make it hard" knob) and the four steps of mixed precision
//! ([`Phase`]), and the article's prose ([`article`], static HTML in `learn/article.html`, cut
//! into sections and blocks around the live widgets that `ui::learn` puts in).
//! Pure: no web dependencies, natively tested in `tests/it/present_learn.rs`.

use crate::formats::Format;
use crate::memory::{seed_check, to_query, Bytes};
use crate::route::Query;
use crate::train::Policy;

use super::number::{power_of_two, sig};
use super::train::{LaneSummary, Scenario, Session, TrainState};

/// The article's prose, as written (see the comment at its top for the markers).
pub const ARTICLE_HTML: &str = include_str!("learn/article.html");

/// The article: the lede (before the first section) and its sections in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// Static HTML shown under the title.
    pub intro: &'static str,
    pub sections: Vec<Section>,
}

/// One section of the article: an anchored heading and its blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The anchor (`#why-fp32`).
    pub id: &'static str,
    pub title: &'static str,
    pub blocks: Vec<Block>,
}

/// A piece of a section: prose, or the place of a live widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// Static HTML, shown as written.
    Html(&'static str),
    /// A widget, by name (`editor-fp32`, `facts`, ...).
    Part(&'static str),
}

/// The widgets the article may name (`<!-- part NAME -->`); `ui::learn` renders each.
pub const PARTS: [&str; 11] = [
    "editor-fp32",
    "editor-fp16",
    "facts",
    "plots",
    "finfo",
    "demo",
    "block",
    "model-states",
    "memory-examples",
    "memory",
    "embed-snippet",
];

/// Cuts [`ARTICLE_HTML`] into sections and blocks. The text is a constant of this crate, so a
/// malformed marker is a programmer error, caught by the native tests.
pub fn article() -> Article {
    parse_article(ARTICLE_HTML)
}

fn parse_article(html: &'static str) -> Article {
    let mut article = Article {
        intro: "",
        sections: Vec::new(),
    };
    // Prose before a marker: the intro before the first section, a block of its section after.
    let add_prose = |article: &mut Article, text: &'static str| {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        match article.sections.last_mut() {
            Some(section) => section.blocks.push(Block::Html(text)),
            None => article.intro = text,
        }
    };
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        let end = start
            + rest[start..]
                .find("-->")
                .expect("article.html: a comment is not closed");
        add_prose(&mut article, &rest[..start]);
        let comment = rest[start + 4..end].trim();
        rest = &rest[end + 3..];
        if let Some(spec) = comment.strip_prefix("section ") {
            let (id, title) = spec
                .split_once(" | ")
                .expect("article.html: `section ID | TITLE`");
            article.sections.push(Section {
                id: id.trim(),
                title: title.trim(),
                blocks: Vec::new(),
            });
        } else if let Some(name) = comment.strip_prefix("part ") {
            article
                .sections
                .last_mut()
                .expect("article.html: a part before the first section")
                .blocks
                .push(Block::Part(name.trim()));
        }
        // Any other comment is a note for the authors (the header) and is dropped.
    }
    add_prose(&mut article, rest);
    article
}

/// A number as C's `printf("%g")` writes it with 6 significant digits, which is how PyTorch
/// prints `torch.finfo` fields (`0.000976562`, `6.10352e-05`, `3.38953e+38`, `65504`, `1e-06`).
///
/// The rule: round to 6 significant digits (ties to even, on the exact binary value); with `X`
/// the decimal exponent of the rounded value, use plain notation when `-4 <= X < 6`, else
/// scientific with a signed exponent of at least two digits; then drop trailing zeros.
///
/// ```
/// use precision_lab::present::learn::torch_g;
/// assert_eq!(torch_g(2f64.powi(-10)), "0.000976562");
/// assert_eq!(torch_g(2f64.powi(-14)), "6.10352e-05");
/// assert_eq!(torch_g(65504.0), "65504");
/// assert_eq!(torch_g(1e-6), "1e-06");
/// ```
pub fn torch_g(x: f64) -> String {
    const DIGITS: usize = 6;
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:.5e}` rounds the exact binary value to 6 significant digits, ties to even (as
    // glibc's printf does in the default rounding mode), and reports the exponent of the rounded
    // value, so 999999.5 becomes "1.00000e6" and switches to scientific like `%g`.
    let scientific = format!("{:.*e}", DIGITS - 1, x.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` output always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponents are integers");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if x < 0.0 { "-" } else { "" };
    let body = if (-4..DIGITS as i32).contains(&exponent) {
        if exponent >= 0 {
            let split = exponent as usize + 1;
            format!("{}.{}", &digits[..split], &digits[split..])
        } else {
            format!("0.{}{}", "0".repeat((-exponent - 1) as usize), digits)
        }
    } else {
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{}e{exp_sign}{:02}",
            trim_fraction(&format!("{}.{}", &digits[..1], &digits[1..])),
            exponent.abs()
        );
    };
    format!("{sign}{}", trim_fraction(&body))
}

fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// One `torch.finfo` printout, computed by the format engine.
#[derive(Clone, Debug, PartialEq)]
pub struct FinfoRow {
    /// The catalogue name (`fp16`).
    pub format: &'static str,
    /// PyTorch's dtype name (`float16`).
    pub dtype: &'static str,
    pub resolution: f64,
    /// `-max`.
    pub min: f64,
    pub max: f64,
    /// `2^-mantissa bits`.
    pub eps: f64,
    /// The smallest positive normal value; PyTorch's `tiny` is the same number.
    pub smallest_normal: f64,
}

impl FinfoRow {
    /// The fields in PyTorch's order, as `(name, value)`; `tiny` repeats `smallest_normal`.
    pub fn fields(&self) -> [(&'static str, f64); 6] {
        [
            ("resolution", self.resolution),
            ("min", self.min),
            ("max", self.max),
            ("eps", self.eps),
            ("smallest_normal", self.smallest_normal),
            ("tiny", self.smallest_normal),
        ]
    }

    /// The line `print(torch.finfo(dtype))` writes.
    pub fn printout(&self) -> String {
        let fields: Vec<String> = self
            .fields()
            .iter()
            .map(|(name, value)| format!("{name}={}", torch_g(*value)))
            .collect();
        format!("finfo({}, dtype={})", fields.join(", "), self.dtype)
    }
}

/// The formats of the finfo table, in the order the seed note prints them, with PyTorch's names.
pub const FINFO_FORMATS: [(&str, &str); 3] = [
    ("fp16", "float16"),
    ("fp32", "float32"),
    ("bf16", "bfloat16"),
];

/// `torch.finfo` for fp16, fp32 and bf16, from [`Format::facts`].
pub fn finfo_rows() -> Vec<FinfoRow> {
    FINFO_FORMATS
        .iter()
        .filter_map(|&(format, dtype)| {
            let facts = format.parse::<Format>().ok()?.facts();
            Some(FinfoRow {
                format,
                dtype,
                resolution: facts.resolution,
                min: facts.lowest,
                max: facts.max_finite,
                eps: facts.epsilon,
                smallest_normal: facts.min_normal,
            })
        })
        .collect()
}

/// A value for the article's prose: the exact value when it is a power of two (`2^-14`), else
/// its shortest round-trip digits.
pub fn exact_text(x: f64) -> String {
    power_of_two(x).unwrap_or_else(|| super::number::short(x))
}

/// One line of the model-states ledger of mixed-precision Adam: what is kept, and bytes per
/// parameter (ZeRO, Rajbhandari et al. 2020, section 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateLine {
    pub what: &'static str,
    pub bytes_per_param: u32,
    /// Its term of the total, `bytes_per_param` times N (the three fp32 lines make ZeRO's 12N).
    pub term: &'static str,
}

/// Model states per parameter for mixed-precision Adam: 2 + 2 + (4 + 4 + 4) = 16 bytes.
pub const MODEL_STATES: [StateLine; 5] = [
    StateLine {
        what: "fp16 parameters (forward and backward read these)",
        bytes_per_param: 2,
        term: "2N",
    },
    StateLine {
        what: "fp16 gradients",
        bytes_per_param: 2,
        term: "2N",
    },
    StateLine {
        what: "fp32 master copy of the parameters",
        bytes_per_param: 4,
        term: "4N",
    },
    StateLine {
        what: "fp32 Adam momentum (first moment)",
        bytes_per_param: 4,
        term: "4N",
    },
    StateLine {
        what: "fp32 Adam variance (second moment)",
        bytes_per_param: 4,
        term: "4N",
    },
];

/// Bytes per parameter of [`MODEL_STATES`] together (16).
pub fn model_state_bytes_per_param() -> u32 {
    MODEL_STATES.iter().map(|l| l.bytes_per_param).sum()
}

/// One of the seed note's memory examples, recomputed by the memory model.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryExample {
    /// `qwen2-72b-bf16-weights`, `mistral-7b-adam-training`, `mistral-7b-inference-weights`.
    pub id: &'static str,
    /// What the note claims.
    pub claim: &'static str,
    pub bytes: Bytes,
    /// "145.41 GB" (10^9 bytes).
    pub gb: String,
    /// "135.43 GiB" (2^30 bytes).
    pub gib: String,
    /// The computation with the numbers put in.
    pub computed: String,
    /// What the note gets right and wrong.
    pub verdict: String,
    /// The Memory view opened on this example (`?view=memory&model=...`).
    pub href: String,
}

/// The seed note's three memory examples, from [`seed_check`] (so the article and the memory
/// model cannot disagree).
pub fn memory_examples() -> Vec<MemoryExample> {
    seed_check()
        .into_iter()
        .map(|e| MemoryExample {
            id: e.id,
            claim: e.claim,
            bytes: e.bytes,
            gb: e.bytes.gb(),
            gib: e.bytes.gib(),
            computed: e.computed,
            verdict: e.verdict,
            href: Query::from_pairs(
                std::iter::once(("view".to_string(), "memory".to_string()))
                    .chain(to_query(&e.inputs)),
            )
            .to_search(),
        })
        .collect()
}

/// The four steps of mixed-precision training (Micikevicius et al. 2018), in loop order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Keep an fp32 master copy of the weights.
    Master,
    /// Cast it to fp16 for the forward and backward passes.
    Cast,
    /// Multiply the loss by the scale before backward.
    Scale,
    /// Unscale the fp16 gradients and update the fp32 master weights.
    Update,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Master, Phase::Cast, Phase::Scale, Phase::Update];

    /// A stable id for `data-testid`.
    pub fn id(self) -> &'static str {
        match self {
            Phase::Master => "master",
            Phase::Cast => "cast",
            Phase::Scale => "scale",
            Phase::Update => "update",
        }
    }

    /// The box's heading.
    pub fn title(self) -> &'static str {
        match self {
            Phase::Master => "1. fp32 master weights",
            Phase::Cast => "2. cast to fp16, forward and backward",
            Phase::Scale => "3. scale the loss",
            Phase::Update => "4. unscale, update in fp32",
        }
    }

    /// The next phase round the loop.
    pub fn next(self) -> Phase {
        match self {
            Phase::Master => Phase::Cast,
            Phase::Cast => Phase::Scale,
            Phase::Scale => Phase::Update,
            Phase::Update => Phase::Master,
        }
    }

    /// What this phase did in the demo's latest step, from the run's readouts.
    pub fn readout(self, demo: &DemoReadout) -> String {
        match self {
            Phase::Master => format!(
                "{} weights and biases kept in fp32; the optimizer only ever writes these.",
                demo.parameters
            ),
            Phase::Cast => match &demo.loss {
                Some(loss) => format!(
                    "fp16 copy computes the loss: {loss} at step {}.",
                    demo.steps
                ),
                None => "fp16 copy computes the loss (no step yet).".into(),
            },
            Phase::Scale => {
                if demo.scaling {
                    format!(
                        "loss × {} before backward; logit gradients flushed to zero: {}.",
                        demo.loss_scale, demo.flushed
                    )
                } else {
                    format!(
                        "off: the loss goes into backward as it is; logit gradients flushed to zero: {}.",
                        demo.flushed
                    )
                }
            }
            Phase::Update => {
                if demo.scaling {
                    format!(
                        "gradients × 1/{} in fp32, checked for Inf/NaN; {} steps skipped so far.",
                        demo.loss_scale, demo.skipped
                    )
                } else {
                    format!("fp32 update from gradients that are {} zero.", demo.zeros)
                }
            }
        }
    }
}

/// The demo's starting state, as the article describes it: loss scaling on.
pub const DEMO_START: &str = "scaling=on";

/// Steps the demo runs when played (it then stops, so it never runs on unattended).
pub const DEMO_STEPS: u64 = 400;

/// The loss-scaling demo: the trainer's "make it hard" scenario (noiseless circles, loss × 2^-20)
/// in one fp16 run with fp32 master weights, with or without `GradScaler`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Demo {
    /// Whether dynamic loss scaling is on (`fp16-amp`) or off (`fp16-master`).
    pub scaling: bool,
}

impl Demo {
    /// Reads `scaling=on|off` (anything else is on, the article's starting state).
    pub fn from_query(query: &Query) -> Demo {
        Demo {
            scaling: query.get("scaling") != Some("off"),
        }
    }

    /// Writes the demo's state.
    pub fn write(&self, query: &mut Query) {
        query.set("scaling", if self.scaling { "on" } else { "off" });
    }

    /// The recipe of the run.
    pub fn policy(&self) -> Policy {
        let name = if self.scaling {
            "fp16-amp"
        } else {
            "fp16-master"
        };
        Policy::from_name(name).expect("fp16-amp and fp16-master are known policies")
    }

    /// The trainer state of the run: the "make it hard" scenario with this one policy.
    pub fn train_state(&self) -> TrainState {
        TrainState {
            policies: vec![self.policy()],
            ..Scenario::Underflow.state()
        }
    }

    /// A fresh run at step 0.
    pub fn session(&self) -> Session {
        Session::new(&self.train_state()).expect("the underflow scenario is a valid configuration")
    }
}

/// What the demo shows about its run, as text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DemoReadout {
    pub scaling: bool,
    pub steps: u64,
    /// Trainable parameters of the network.
    pub parameters: u64,
    pub loss: Option<String>,
    /// The loss over the whole dataset after the latest step (`None` before the first step).
    pub eval_loss: Option<f32>,
    /// [`eval_loss`](Self::eval_loss) as text.
    pub eval_loss_text: Option<String>,
    /// `2^16` style.
    pub loss_scale: String,
    pub skipped: u64,
    /// Share of logit gradients flushed to zero in the latest step, `"100%"` (a dash before the
    /// first step).
    pub flushed: String,
    /// Share of all gradient values that are zero in the latest step.
    pub zeros: String,
    /// The share behind [`flushed`](Self::flushed), for tests and styling.
    pub flushed_share: f32,
    /// The loss of every step so far.
    pub losses: Vec<f32>,
    /// Whether the demo has run its [`DEMO_STEPS`].
    pub done: bool,
}

impl DemoReadout {
    /// Reads the run of `session` (a [`Demo`] session: one lane).
    pub fn of(demo: Demo, session: &Session) -> DemoReadout {
        let Some(lane) = session.lanes().first() else {
            return DemoReadout::default();
        };
        let summary: LaneSummary = lane.summary();
        let parameters = lane.run.model().n_params() as u64;
        let eval_loss = (summary.steps > 0).then(|| lane.run.evaluate().loss);
        DemoReadout {
            scaling: demo.scaling,
            steps: summary.steps,
            parameters,
            loss: summary.loss.map(|_| summary.loss_text()),
            eval_loss,
            eval_loss_text: eval_loss.map(|l| sig(f64::from(l), 4)),
            loss_scale: power_of_two(f64::from(summary.loss_scale))
                .unwrap_or_else(|| sig(f64::from(summary.loss_scale), 3)),
            skipped: summary.skipped,
            flushed: if summary.steps == 0 {
                "\u{2014}".into()
            } else {
                percent(summary.flushed)
            },
            zeros: if summary.steps == 0 {
                "\u{2014}".into()
            } else {
                percent(summary.zeros)
            },
            flushed_share: summary.flushed,
            losses: lane.run.history().iter().map(|s| s.loss).collect(),
            done: summary.steps >= DEMO_STEPS || !session.is_running(),
        }
    }
}

fn percent(share: f32) -> String {
    format!("{:.0}%", share * 100.0)
}

/// SVG polyline points for a loss curve in a `width` x `height` box, y from 0 (bottom) to `y_max`
/// (top), x over [`DEMO_STEPS`] steps; values above `y_max` are drawn at the top.
pub fn loss_points(losses: &[f32], width: f64, height: f64, y_max: f64) -> String {
    let steps = DEMO_STEPS.max(1) as f64;
    losses
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_finite())
        .map(|(i, &l)| {
            let x = (i as f64 + 1.0) / steps * width;
            let y = height - (f64::from(l) / y_max).clamp(0.0, 1.0) * height;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}
