//! The view's state in the URL (`?view=train&...`): the fields, their parsing with a notice for
//! every hostile value, the scenarios, and the labels of datasets and policies.

use super::{
    DEFAULT_POLICIES, DEFAULT_STEPS, HARD_SHIFT, MAX_HARD, MAX_INTERVAL, MAX_LR, MAX_RUNS,
    MAX_STEPS, MAX_VIEW_WIDTH, MAX_WEIGHT_SCALE, POINTS,
};
use crate::route::{shorten, Notice, Query};
use crate::train::{
    Activation, DataConfig, DatasetKind, Loss, Nvfp4Switches, Optimizer, Policy, RunConfig,
    ScalerConfig, MAX_HIDDEN_LAYERS,
};

/// The optimizer family chosen in the view (its learning rate is a separate field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptimizerKind {
    Sgd,
    Adam,
}

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 2] = [OptimizerKind::Sgd, OptimizerKind::Adam];

    /// The URL id.
    pub fn id(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Adam => "adam",
        }
    }

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "SGD + momentum",
            OptimizerKind::Adam => "Adam",
        }
    }

    fn build(self, lr: f32) -> Optimizer {
        match self {
            OptimizerKind::Sgd => Optimizer::sgd(lr),
            OptimizerKind::Adam => Optimizer::adam(lr),
        }
    }
}

/// Everything `?view=train` keeps in the URL. Live progress (steps, losses) is not part of it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainState {
    pub dataset: DatasetKind,
    /// Playground noise, 0 to 0.5.
    pub noise: f32,
    /// Seeds the data, the initial weights and the batch order.
    pub seed: u64,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub optimizer: OptimizerKind,
    pub lr: f32,
    pub batch: usize,
    /// The precision policies, by name, 1 to 4, no repeats.
    pub policies: Vec<Policy>,
    /// "Make it hard": the loss is multiplied by 2^-hard.
    pub hard: u32,
    /// Multiplies the initial weights.
    pub weight_scale: f32,
    /// `GradScaler`'s growth interval for the fp16 AMP run.
    pub interval: u32,
    /// The step every run stops at (`steps=`), 1 to [`MAX_STEPS`].
    pub steps: u64,
}

impl Default for TrainState {
    fn default() -> Self {
        TrainState {
            dataset: DatasetKind::Circles,
            noise: 0.1,
            seed: 1,
            hidden: vec![16, 16],
            activation: Activation::Tanh,
            optimizer: OptimizerKind::Sgd,
            lr: 0.1,
            batch: 32,
            policies: DEFAULT_POLICIES
                .iter()
                .filter_map(|n| Policy::from_name(n))
                .collect(),
            hard: 0,
            weight_scale: 1.0,
            interval: ScalerConfig::default().growth_interval,
            steps: DEFAULT_STEPS,
        }
    }
}

/// A named starting point offered as a button.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// The defaults: circles, four policies, nothing hard.
    Default,
    /// fp16 underflow in seconds: the loss times 2^-20 on noiseless circles; pure fp16 and fp16 with
    /// master weights stall, AMP's loss scale and bf16's range rescue it.
    Underflow,
    /// Updates lost to swamping: weights 4x larger and a small learning rate; pure fp16 rounds most
    /// updates away, fp32 master weights keep them.
    Swamping,
    /// Overflow and skipped steps: a tiny growth interval makes `GradScaler` grow the scale until the
    /// gradients overflow fp16, skip the step and back off, over and over.
    Overflow,
    /// Block scaling with tiny gradients (the loss times 2^-20): MXFP8's E8M0 scales and NVFP4's
    /// tensor scale reach them; NVFP4 without its tensor scale underflows every gradient block.
    TinyBlocks,
    /// NVFP4 with and without stochastic rounding and the Hadamard transform, to read what each
    /// does to the gradients.
    Nvfp4Tricks,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::Default,
        Scenario::Underflow,
        Scenario::Swamping,
        Scenario::Overflow,
        Scenario::TinyBlocks,
        Scenario::Nvfp4Tricks,
    ];

    /// A stable id for `data-testid`.
    pub fn id(self) -> &'static str {
        match self {
            Scenario::Default => "default",
            Scenario::Underflow => "hard",
            Scenario::Swamping => "swamping",
            Scenario::Overflow => "overflow",
            Scenario::TinyBlocks => "blocks",
            Scenario::Nvfp4Tricks => "nvfp4",
        }
    }

    /// The button text.
    pub fn label(self) -> &'static str {
        match self {
            Scenario::Default => "Defaults",
            Scenario::Underflow => "Make it hard: fp16 underflow",
            Scenario::Swamping => "Swamping: large weights",
            Scenario::Overflow => "Overflow: skipped steps",
            Scenario::TinyBlocks => "Block scaling: tiny gradients",
            Scenario::Nvfp4Tricks => "NVFP4's tricks",
        }
    }

    /// What the scenario shows, in a sentence.
    pub fn description(self) -> &'static str {
        match self {
            Scenario::Default => "Circles with a little noise, four recipes side by side.",
            Scenario::Underflow => {
                "The loss is multiplied by 2^-20, so gradients fall below fp16's smallest subnormal (2^-24): pure fp16 flushes them to zero and stalls, while AMP's loss scale lifts them back into range and bf16 never loses them."
            }
            Scenario::Swamping => {
                "Weights four times larger and a small learning rate: an fp16 weight near 2 has a gap of 2^-10 to its neighbours, so updates below half of that are rounded away unless fp32 master weights keep them."
            }
            Scenario::Overflow => {
                "GradScaler grows the loss scale after every 10 clean steps until the scaled gradients overflow fp16's 65504; the step is skipped and the scale halves."
            }
            Scenario::TinyBlocks => {
                "The loss is multiplied by 2^-20. MXFP8's power-of-two block scales reach down to 2^-127, and NVFP4's fp32 tensor scale lifts its blocks into E4M3's range; without the tensor scale a block scale is the block's amax / 6 in E4M3, which cannot go below 2^-9, so every gradient block of the hidden layers underflows to zero and only the bf16 last layer learns."
            }
            Scenario::Nvfp4Tricks => {
                "NVFP4 as published, and without stochastic rounding or the Hadamard transform. On a network this small the losses stay close (the published ablations train a 12B model on 10T tokens); the readouts show what each trick does to the gradients: stochastic rounding keeps their magnitude on average at the price of a larger error, and the transform spreads each 16 rows of the weight-gradient GEMM's inputs before their blocks are scaled."
            }
        }
    }

    /// The state this scenario sets.
    pub fn state(self) -> TrainState {
        let base = TrainState::default();
        let policies = |names: &[&str]| names.iter().filter_map(|n| Policy::from_name(n)).collect();
        match self {
            Scenario::Default => base,
            Scenario::Underflow => TrainState {
                noise: 0.0,
                hard: HARD_SHIFT,
                policies: policies(&["fp32", "fp16-pure", "fp16-amp", "bf16-mixed"]),
                ..base
            },
            Scenario::Swamping => TrainState {
                noise: 0.0,
                weight_scale: 4.0,
                lr: 0.003,
                policies: policies(&["fp32", "fp16-pure", "fp16-master", "fp16-amp"]),
                ..base
            },
            Scenario::Overflow => TrainState {
                interval: 10,
                policies: policies(&["fp32", "fp16-amp", "bf16-mixed", "fp8"]),
                ..base
            },
            Scenario::TinyBlocks => TrainState {
                noise: 0.0,
                hard: HARD_SHIFT,
                policies: policies(&["bf16-mixed", "mxfp8", "nvfp4", "nvfp4-no-tensor-scale"]),
                ..base
            },
            Scenario::Nvfp4Tricks => TrainState {
                policies: policies(&["bf16-mixed", "nvfp4", "nvfp4-no-sr", "nvfp4-no-rht"]),
                ..base
            },
        }
    }
}

pub(super) fn notice(key: &str, value: &str, why: impl std::fmt::Display) -> Notice {
    Notice(format!(
        "Ignored {key}=\u{201c}{}\u{201d}: {why}.",
        shorten(value, 40)
    ))
}

/// The URL keys this view owns.
const KEYS: [&str; 13] = [
    "data", "noise", "seed", "hidden", "act", "opt", "lr", "batch", "policies", "hard", "wscale",
    "interval", "steps",
];

/// The dataset's menu label.
pub fn dataset_label(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Spirals => "two spirals",
        DatasetKind::Circles => "circles",
        DatasetKind::Xor => "XOR",
        DatasetKind::Gaussians => "two Gaussians",
        DatasetKind::Sine => "sine (regression)",
    }
}

/// A policy's menu label.
pub fn policy_label(policy: &Policy) -> String {
    match policy {
        Policy::Fp32 => "fp32 (baseline)".into(),
        Policy::PureFp16 => "pure fp16 (no master weights, no scaling)".into(),
        Policy::Fp16Master => "fp16 + fp32 master weights, no scaling".into(),
        Policy::Fp16Amp(_) => "fp16 AMP (master weights + GradScaler)".into(),
        Policy::Bf16Mixed => "bf16 mixed (master weights)".into(),
        Policy::Fp8(_) => "fp8 (E4M3 fwd, E5M2 grads, delayed scaling)".into(),
        Policy::Fp8Current => "fp8 (E4M3 fwd, E5M2 grads, current scaling)".into(),
        Policy::Mxfp8 => "MXFP8 (E4M3 in blocks of 32, E8M0 scales)".into(),
        Policy::Nvfp4(s) => {
            let off = nvfp4_off(s, false);
            if off.is_empty() {
                "NVFP4 (the published recipe)".into()
            } else {
                format!("NVFP4 without {}", off.join(", "))
            }
        }
    }
}

/// The NVFP4 tricks turned off, long or short.
fn nvfp4_off(s: &Nvfp4Switches, short: bool) -> Vec<&'static str> {
    let tricks = [
        (s.stochastic, "stochastic rounding", "SR"),
        (s.hadamard, "the Hadamard transform", "RHT"),
        (s.bf16_last, "the bf16 last layer", "bf16 last"),
        (s.tensor_scale, "the tensor scale", "tensor scale"),
    ];
    tricks
        .iter()
        .filter(|t| !t.0)
        .map(|t| if short { t.2 } else { t.1 })
        .collect()
}

/// A policy's short name for menus and legends.
pub fn policy_short_label(policy: &Policy) -> String {
    match policy {
        Policy::Fp32 => "fp32".into(),
        Policy::PureFp16 => "fp16 pure".into(),
        Policy::Fp16Master => "fp16 + master".into(),
        Policy::Fp16Amp(_) => "fp16 AMP".into(),
        Policy::Bf16Mixed => "bf16 mixed".into(),
        Policy::Fp8(_) => "fp8".into(),
        Policy::Fp8Current => "fp8 current".into(),
        Policy::Mxfp8 => "MXFP8".into(),
        Policy::Nvfp4(s) => {
            let off = nvfp4_off(s, true);
            if off.is_empty() {
                "NVFP4".into()
            } else {
                format!("NVFP4 no {}", off.join(", no "))
            }
        }
    }
}

/// What a policy keeps in which format, in a line.
pub fn recipe_text(policy: &Policy) -> String {
    let r = policy.formats();
    let scaling = match r.scaling {
        crate::train::Scaling::None => "no scaling",
        crate::train::Scaling::DynamicLoss => "dynamic loss scaling",
        crate::train::Scaling::PerTensorDelayed => "per-tensor delayed scales",
        crate::train::Scaling::PerTensorCurrent => "per-tensor scales from this step's amax",
        crate::train::Scaling::Mx => "an E8M0 scale per 32 values along each GEMM's reduction",
        crate::train::Scaling::Nvfp4 => {
            "an E4M3 scale per 16 values (16x16 for weights) and an fp32 scale per tensor"
        }
    };
    let last = match policy {
        Policy::Nvfp4(s) if s.bf16_last => "; last layer in bf16",
        _ => "",
    };
    format!(
        "weights {} / activations {} / gradients {}; stored in {}; {scaling}{last}",
        r.forward_weights.name(),
        r.forward_activations.name(),
        r.gradients.name(),
        r.storage.name()
    )
}

fn parse_f32(text: &str) -> Option<f32> {
    text.trim().parse::<f32>().ok().filter(|x| x.is_finite())
}

impl TrainState {
    /// Reads the state from the URL. Anything unusable falls back to its default with a notice.
    pub fn from_query(query: &Query) -> (TrainState, Vec<Notice>) {
        let mut notices = Vec::new();
        let mut s = TrainState::default();
        let present = |key: &str| query.get(key).filter(|v| !v.trim().is_empty());

        if let Some(text) = present("data") {
            match DatasetKind::ALL
                .into_iter()
                .find(|k| k.name().eq_ignore_ascii_case(text.trim()))
            {
                Some(kind) => s.dataset = kind,
                None => notices.push(notice(
                    "data",
                    text,
                    "use spirals, circles, xor, gaussians or sine; showing circles",
                )),
            }
        }
        if let Some(text) = present("noise") {
            match parse_f32(text).filter(|x| (0.0..=0.5).contains(x)) {
                Some(x) => s.noise = x,
                None => notices.push(notice("noise", text, "noise is a number from 0 to 0.5")),
            }
        }
        if let Some(text) = present("seed") {
            match text.trim().parse::<u64>() {
                Ok(seed) => s.seed = seed,
                Err(_) => notices.push(notice(
                    "seed",
                    text,
                    "a seed is a whole number from 0 to 2^64-1; using 1",
                )),
            }
        }
        if let Some(text) = query.get("hidden") {
            match parse_hidden(text) {
                Ok(hidden) => s.hidden = hidden,
                Err(why) => notices.push(notice("hidden", text, why)),
            }
        }
        if let Some(text) = present("act") {
            match Activation::ALL
                .into_iter()
                .find(|a| a.name().eq_ignore_ascii_case(text.trim()))
            {
                Some(a) => s.activation = a,
                None => notices.push(notice("act", text, "use relu, tanh or gelu")),
            }
        }
        if let Some(text) = present("opt") {
            match OptimizerKind::ALL
                .into_iter()
                .find(|o| o.id().eq_ignore_ascii_case(text.trim()))
            {
                Some(o) => s.optimizer = o,
                None => notices.push(notice("opt", text, "use sgd or adam")),
            }
        }
        if let Some(text) = present("lr") {
            match parse_f32(text).filter(|x| *x > 0.0 && *x <= MAX_LR) {
                Some(x) => s.lr = x,
                None => notices.push(notice(
                    "lr",
                    text,
                    format!("a learning rate is a number above 0, at most {MAX_LR}"),
                )),
            }
        }
        if let Some(text) = present("batch") {
            match text.trim().parse::<usize>() {
                Ok(b) if (1..=POINTS).contains(&b) => s.batch = b,
                _ => notices.push(notice(
                    "batch",
                    text,
                    format!("a batch is 1 to {POINTS} points"),
                )),
            }
        }
        if let Some(text) = present("policies") {
            match parse_policies(text) {
                Ok(policies) => s.policies = policies,
                Err(why) => notices.push(notice("policies", text, why)),
            }
        }
        if let Some(text) = present("hard") {
            match text.trim().parse::<u32>() {
                Ok(h) if h <= MAX_HARD => s.hard = h,
                _ => notices.push(notice(
                    "hard",
                    text,
                    format!("the knob is a whole number from 0 to {MAX_HARD}"),
                )),
            }
        }
        if let Some(text) = present("wscale") {
            match parse_f32(text).filter(|x| *x > 0.0 && *x <= MAX_WEIGHT_SCALE) {
                Some(x) => s.weight_scale = x,
                None => notices.push(notice(
                    "wscale",
                    text,
                    format!("the weight scale is a number above 0, at most {MAX_WEIGHT_SCALE}"),
                )),
            }
        }
        if let Some(text) = present("interval") {
            match text.trim().parse::<u32>() {
                Ok(i) if (1..=MAX_INTERVAL).contains(&i) => s.interval = i,
                _ => notices.push(notice(
                    "interval",
                    text,
                    format!("the growth interval is a whole number from 1 to {MAX_INTERVAL}"),
                )),
            }
        }
        if let Some(text) = present("steps") {
            match text.trim().parse::<u64>() {
                Ok(n) if (1..=MAX_STEPS).contains(&n) => s.steps = n,
                _ => notices.push(notice(
                    "steps",
                    text,
                    format!("runs stop after 1 to {MAX_STEPS} steps; using {DEFAULT_STEPS}"),
                )),
            }
        }
        (s, notices)
    }

    /// Writes the state into `query`: only the values that differ from the defaults, so the
    /// default link stays `?view=train`. Other parameters are kept.
    pub fn write(&self, query: &mut Query) {
        for key in KEYS {
            query.remove(key);
        }
        let d = TrainState::default();
        if self.dataset != d.dataset {
            query.set("data", self.dataset.name());
        }
        if self.noise != d.noise {
            query.set("noise", &self.noise.to_string());
        }
        if self.seed != d.seed {
            query.set("seed", &self.seed.to_string());
        }
        if self.hidden != d.hidden {
            query.set("hidden", &hidden_text(&self.hidden));
        }
        if self.activation != d.activation {
            query.set("act", self.activation.name());
        }
        if self.optimizer != d.optimizer {
            query.set("opt", self.optimizer.id());
        }
        if self.lr != d.lr {
            query.set("lr", &self.lr.to_string());
        }
        if self.batch != d.batch {
            query.set("batch", &self.batch.to_string());
        }
        if self.policies != d.policies {
            query.set("policies", &policies_text(&self.policies));
        }
        if self.hard != d.hard {
            query.set("hard", &self.hard.to_string());
        }
        if self.weight_scale != d.weight_scale {
            query.set("wscale", &self.weight_scale.to_string());
        }
        if self.interval != d.interval {
            query.set("interval", &self.interval.to_string());
        }
        if self.steps != d.steps {
            query.set("steps", &self.steps.to_string());
        }
    }

    /// The loss for this dataset: cross-entropy for classes, MSE for regression.
    pub fn loss(&self) -> Loss {
        if self.dataset.is_classification() {
            Loss::CrossEntropy
        } else {
            Loss::Mse
        }
    }

    /// The engine's configuration of run `policy` (the AMP policy gets the chosen growth interval).
    pub fn run_config(&self, policy: Policy) -> RunConfig {
        let policy = match policy {
            Policy::Fp16Amp(s) => Policy::Fp16Amp(ScalerConfig {
                growth_interval: self.interval,
                ..s
            }),
            other => other,
        };
        RunConfig {
            data: DataConfig {
                kind: self.dataset,
                points: POINTS,
                noise: self.noise,
                seed: self.seed,
            },
            hidden: self.hidden.clone(),
            activation: self.activation,
            loss: self.loss(),
            optimizer: self.optimizer.build(self.lr),
            batch_size: self.batch,
            policy,
            seed: self.seed,
            loss_shift: self.hard,
            weight_scale: self.weight_scale,
            max_steps: Some(self.steps),
        }
    }

    /// Which scenario this state is, if any.
    pub fn scenario(&self) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|p| p.state() == *self)
    }
}

/// Parses hidden widths: `16,16`, `32 32 32`, or `none` / `0` for no hidden layer.
pub fn parse_hidden(text: &str) -> Result<Vec<usize>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") || text == "0" {
        return Ok(Vec::new());
    }
    let widths: Vec<usize> = text
        .split(|c: char| c == ',' || c == 'x' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<usize>()
                .map_err(|_| "widths are whole numbers".to_string())
        })
        .collect::<Result<_, _>>()?;
    if widths.len() > MAX_HIDDEN_LAYERS {
        return Err(format!("at most {MAX_HIDDEN_LAYERS} hidden layers"));
    }
    if widths.iter().any(|&w| w == 0 || w > MAX_VIEW_WIDTH) {
        return Err(format!("a hidden layer has 1 to {MAX_VIEW_WIDTH} units"));
    }
    Ok(widths)
}

/// The URL text of hidden widths (`16,16`; `none` for no hidden layer).
pub fn hidden_text(hidden: &[usize]) -> String {
    if hidden.is_empty() {
        return "none".into();
    }
    hidden
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses a comma-separated list of 1 to 4 distinct policy names.
pub fn parse_policies(text: &str) -> Result<Vec<Policy>, String> {
    let mut policies: Vec<Policy> = Vec::new();
    for name in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let policy = Policy::from_name(&name.to_ascii_lowercase()).ok_or_else(|| {
            format!(
                "unknown policy \u{201c}{}\u{201d} (use {})",
                shorten(name, 20),
                Policy::defaults().map(|p| p.name()).join(", ")
            )
        })?;
        if policies.iter().any(|p| p.name() == policy.name()) {
            return Err(format!("{} is listed twice", policy.name()));
        }
        policies.push(policy);
    }
    if policies.is_empty() {
        return Err("name at least one policy".into());
    }
    if policies.len() > MAX_RUNS {
        return Err(format!("at most {MAX_RUNS} policies side by side"));
    }
    Ok(policies)
}

/// The URL text of a list of policies.
pub fn policies_text(policies: &[Policy]) -> String {
    policies
        .iter()
        .map(Policy::name)
        .collect::<Vec<_>>()
        .join(",")
}
