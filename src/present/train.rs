//! The Trainer view's model: its state in the URL, the runs it builds from that state, the pacing of
//! training slices, and every readout (progress, per-run figures, explanations).
//!
//! Owns the parameters of `?view=train` (dataset, noise, seed, network, optimizer, learning rate,
//! batch, policies, the "make it hard" knob, the weight scale), their parsing with notices for
//! hostile values, the scenarios, and [`Session`]: the runs of one configuration advanced slice by
//! slice. It is pure: it never reads a clock (the view passes the time in milliseconds) and never
//! schedules anything (the view yields to the browser between slices). The numbers come from
//! `crate::train`; the pictures from `crate::plot`.

use crate::route::{shorten, Notice, Query};
use crate::train::{
    Activation, ConfigError, DataConfig, DatasetKind, DecisionGrid, Log2Histogram, Loss, Optimizer,
    Policy, Precision, Run, RunConfig, ScalerConfig, StepRecord, Stopped, TensorKind,
    MAX_HIDDEN_LAYERS,
};

use super::number::sig;

/// Runs shown side by side at most.
pub const MAX_RUNS: usize = 4;
/// Points in every dataset of the view.
pub const POINTS: usize = 256;
/// The most steps a run may be asked to take (its history stays small enough to draw).
pub const MAX_STEPS: u64 = 50_000;
/// Where the runs stop unless the reader sets another step count (`steps=`): enough for every
/// scenario's story to play out, few enough that the raw loss stays readable.
pub const DEFAULT_STEPS: u64 = 2_000;
/// Largest "make it hard" shift the view offers (the engine accepts up to 60).
pub const MAX_HARD: u32 = 40;
/// Largest learning rate accepted.
pub const MAX_LR: f32 = 10.0;
/// Largest weight scale accepted.
pub const MAX_WEIGHT_SCALE: f32 = 1e4;
/// Largest `GradScaler` growth interval accepted.
pub const MAX_INTERVAL: u32 = 100_000;
/// The shift of the "make it hard" scenario: the loss times 2^-20, so logit gradients sit around 2^-25,
/// below fp16's smallest subnormal 2^-24 (Micikevicius et al.'s experiment in miniature).
pub const HARD_SHIFT: u32 = 20;

/// The widest hidden layer the view offers. The engine takes up to `train::MAX_WIDTH` (512, for the
/// GPU benchmark); in the page a wider network would make every redraw of the decision maps slow.
pub const MAX_VIEW_WIDTH: usize = 64;

/// The policies shown when the URL names none.
pub const DEFAULT_POLICIES: [&str; 4] = ["fp32", "fp16-pure", "fp16-amp", "bf16-mixed"];

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
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [
        Scenario::Default,
        Scenario::Underflow,
        Scenario::Swamping,
        Scenario::Overflow,
    ];

    /// A stable id for `data-testid`.
    pub fn id(self) -> &'static str {
        match self {
            Scenario::Default => "default",
            Scenario::Underflow => "hard",
            Scenario::Swamping => "swamping",
            Scenario::Overflow => "overflow",
        }
    }

    /// The button text.
    pub fn label(self) -> &'static str {
        match self {
            Scenario::Default => "Defaults",
            Scenario::Underflow => "Make it hard: fp16 underflow",
            Scenario::Swamping => "Swamping: large weights",
            Scenario::Overflow => "Overflow: skipped steps",
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
        }
    }
}

fn notice(key: &str, value: &str, why: impl std::fmt::Display) -> Notice {
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
pub fn policy_label(policy: &Policy) -> &'static str {
    match policy {
        Policy::Fp32 => "fp32 (baseline)",
        Policy::PureFp16 => "pure fp16 (no master weights, no scaling)",
        Policy::Fp16Master => "fp16 + fp32 master weights, no scaling",
        Policy::Fp16Amp(_) => "fp16 AMP (master weights + GradScaler)",
        Policy::Bf16Mixed => "bf16 mixed (master weights)",
        Policy::Fp8(_) => "fp8 (E4M3 fwd, E5M2 grads, delayed scaling)",
    }
}

/// A policy's short name for menus and legends.
pub fn policy_short_label(policy: &Policy) -> &'static str {
    match policy {
        Policy::Fp32 => "fp32",
        Policy::PureFp16 => "fp16 pure",
        Policy::Fp16Master => "fp16 + master",
        Policy::Fp16Amp(_) => "fp16 AMP",
        Policy::Bf16Mixed => "bf16 mixed",
        Policy::Fp8(_) => "fp8",
    }
}

/// What a policy keeps in which format, in a line.
pub fn recipe_text(policy: &Policy) -> String {
    let r = policy.formats();
    let scaling = match r.scaling {
        crate::train::Scaling::None => "no scaling",
        crate::train::Scaling::DynamicLoss => "dynamic loss scaling",
        crate::train::Scaling::PerTensorDelayed => "per-tensor delayed scales",
    };
    format!(
        "weights {} / activations {} / gradients {}; stored in {}; {scaling}",
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

/// Picks how many steps each run takes in the next slice so that a slice (all runs together) takes
/// about [`SliceSizer::TARGET_MS`]: the page's main thread gets the rest of each frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliceSizer {
    steps: u32,
}

impl SliceSizer {
    /// Milliseconds one slice aims for.
    pub const TARGET_MS: f64 = 10.0;
    /// Steps per run per slice at most.
    pub const MAX_STEPS: u32 = 2000;

    /// Starts with one step per run, so the first slice cannot be long whatever the network.
    pub fn new() -> Self {
        SliceSizer { steps: 1 }
    }

    /// Steps per run for the next slice.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Adapts to a slice of `steps` that took `elapsed_ms`: aim at the target, but at most double or
    /// halve at a time so one noisy measurement (a GC pause, a busy machine) cannot swing it.
    pub fn record(&mut self, steps: u32, elapsed_ms: f64) {
        if steps == 0 {
            return;
        }
        let per_step = if elapsed_ms.is_finite() && elapsed_ms > 0.0 {
            elapsed_ms / f64::from(steps)
        } else {
            // A clock too coarse to see the slice: grow.
            Self::TARGET_MS / f64::from(steps.saturating_mul(2).max(1))
        };
        let ideal = (Self::TARGET_MS / per_step).floor();
        let low = f64::from((self.steps / 2).max(1));
        let high = f64::from(self.steps.saturating_mul(2));
        self.steps = ideal
            .clamp(low, high)
            .clamp(1.0, f64::from(Self::MAX_STEPS)) as u32;
    }
}

impl Default for SliceSizer {
    fn default() -> Self {
        Self::new()
    }
}

/// Steps per second over a sliding window of wall-clock time (what the reader sees, yields
/// included).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Throughput {
    /// (time in ms, total steps) samples, oldest first.
    samples: std::collections::VecDeque<(f64, u64)>,
}

impl Throughput {
    /// Window length in milliseconds.
    pub const WINDOW_MS: f64 = 1000.0;

    /// Records that `total_steps` had been taken at `now_ms`.
    pub fn record(&mut self, now_ms: f64, total_steps: u64) {
        self.samples.push_back((now_ms, total_steps));
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|&(t, _)| now_ms - t >= Self::WINDOW_MS)
        {
            self.samples.pop_front();
        }
    }

    /// Steps per second over the window; `None` before two samples a moment apart.
    pub fn per_second(&self) -> Option<f64> {
        let (&(t0, s0), &(t1, s1)) = (self.samples.front()?, self.samples.back()?);
        (t1 - t0 > 1.0).then(|| (s1.saturating_sub(s0)) as f64 * 1000.0 / (t1 - t0))
    }

    /// Forgets everything (after a pause or a reset).
    pub fn clear(&mut self) {
        self.samples.clear();
    }
}

/// One run of a session and what the view shows about its latest step.
#[derive(Clone, Debug)]
pub struct Lane {
    pub run: Run,
    /// Sum of the gradient histograms of every watched tensor in the latest step.
    pub histogram: Log2Histogram,
    /// The format those gradients were rounded into.
    pub gradient_format: Precision,
    /// The latest step's share of logit gradients that underflowed to zero.
    pub flushed: f32,
    /// The latest step's share of all watched gradient values that are zero.
    pub zeros: f32,
}

/// The runs of one configuration, one per policy, advanced together.
#[derive(Clone, Debug)]
pub struct Session {
    lanes: Vec<Lane>,
    backend: BackendKind,
}

impl Session {
    /// Builds one run per policy of `state`.
    pub fn new(state: &TrainState) -> Result<Session, ConfigError> {
        let lanes = state
            .policies
            .iter()
            .map(|&policy| {
                let run = Run::new(state.run_config(policy))?;
                Ok(Lane {
                    gradient_format: policy.formats().gradients,
                    run,
                    histogram: Log2Histogram::new(),
                    flushed: 0.0,
                    zeros: 0.0,
                })
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        Ok(Session {
            lanes,
            backend: BackendKind::Cpu,
        })
    }

    /// The backend these runs use.
    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The runs.
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// The runs, in order, lent to a backend that steps them itself (`crate::gpu::GpuSession`).
    pub fn runs_mut(&mut self) -> Vec<&mut Run> {
        self.lanes.iter_mut().map(|l| &mut l.run).collect()
    }

    /// Takes in each run's last record of a slice another backend stepped (its histograms and
    /// shares for the readouts), in the order of [`Session::runs_mut`].
    pub fn absorb_last(&mut self, records: &[Option<StepRecord>]) {
        for (lane, record) in self.lanes.iter_mut().zip(records) {
            if let Some(record) = record {
                lane.absorb(record);
            }
        }
    }

    /// The runs, for a backend that steps them itself (`crate::gpu::GpuSession`).
    pub fn lanes_mut(&mut self) -> &mut [Lane] {
        &mut self.lanes
    }

    /// Records which backend steps the runs (the `backend` readout).
    pub fn set_backend(&mut self, backend: BackendKind) {
        self.backend = backend;
    }

    /// Advances every run that is still going by up to `steps`; returns the steps taken in all.
    pub fn slice(&mut self, steps: u32) -> u64 {
        let mut taken = 0;
        for lane in &mut self.lanes {
            let records = lane.run.step_n(steps);
            taken += records.len() as u64;
            if let Some(last) = records.last() {
                lane.absorb(last);
            }
        }
        taken
    }

    /// Whether any run can still step.
    pub fn is_running(&self) -> bool {
        self.lanes.iter().any(|l| l.run.is_running())
    }

    /// The most steps any run has taken.
    pub fn steps(&self) -> u64 {
        self.lanes.iter().map(|l| l.run.steps()).max().unwrap_or(0)
    }

    /// Steps taken by all runs together.
    pub fn total_steps(&self) -> u64 {
        self.lanes.iter().map(|l| l.run.steps()).sum()
    }

    /// The readouts of every run.
    pub fn summaries(&self) -> Vec<LaneSummary> {
        self.lanes.iter().map(Lane::summary).collect()
    }
}

impl Lane {
    /// Takes in the latest step's record (the histogram and shares the view shows).
    pub fn absorb(&mut self, record: &StepRecord) {
        if record.tensors.is_empty() {
            return;
        }
        let mut histogram = Log2Histogram::new();
        let (mut zeros, mut count) = (0u64, 0u64);
        for t in &record.tensors {
            let h = &t.stats.histogram;
            for (sum, &b) in histogram.bins.iter_mut().zip(h.bins.iter()) {
                *sum += b;
            }
            histogram.zero += h.zero;
            histogram.below += h.below;
            histogram.above += h.above;
            histogram.non_finite += h.non_finite;
            zeros += u64::from(t.stats.zeros);
            count += u64::from(t.stats.count);
        }
        self.histogram = histogram;
        self.zeros = if count == 0 {
            0.0
        } else {
            (zeros as f64 / count as f64) as f32
        };
        // Tensors are recorded last layer first: the first output gradient is the logits'. Once it
        // flushes, everything upstream is exactly zero (not "flushed"), so this is the share to show.
        self.flushed = record
            .tensors
            .iter()
            .find(|t| matches!(t.kind, TensorKind::OutputGrad { .. }))
            .map_or(0.0, |t| t.stats.flushed_fraction());
    }

    /// The readout of this run.
    pub fn summary(&self) -> LaneSummary {
        let last = self.run.history().last();
        LaneSummary {
            policy: self.run.config().policy.name(),
            steps: self.run.steps(),
            loss: last.map(|s| s.loss),
            accuracy: last.and_then(|s| s.accuracy),
            loss_scale: self.run.loss_scale(),
            skipped: self.run.history().iter().filter(|s| s.skipped).count() as u64,
            flushed: self.flushed,
            zeros: self.zeros,
            updates_lost: last.map_or(0.0, |s| s.updates_lost),
            stopped: self.run.stopped(),
        }
    }

    /// The decision grid (classification) at `resolution` cells per side.
    pub fn decision_grid(&self, resolution: usize) -> Option<DecisionGrid> {
        self.run.decision_grid(resolution)
    }
}

/// What the view shows about one run.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneSummary {
    pub policy: &'static str,
    pub steps: u64,
    /// The latest batch loss (`None` before the first step).
    pub loss: Option<f32>,
    pub accuracy: Option<f32>,
    pub loss_scale: f32,
    /// Steps skipped by the loss scaler so far.
    pub skipped: u64,
    /// Share of logit gradients flushed to zero in the latest step.
    pub flushed: f32,
    /// Share of all gradient values that are zero in the latest step.
    pub zeros: f32,
    /// Share of updates lost to rounding in the latest step.
    pub updates_lost: f32,
    pub stopped: Option<Stopped>,
}

impl LaneSummary {
    /// The loss as readable text.
    pub fn loss_text(&self) -> String {
        match self.loss {
            None => "—".into(),
            Some(l) => sig(f64::from(l), 4),
        }
    }

    /// The other figures of the run in a line.
    pub fn detail_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = self.accuracy {
            parts.push(format!("batch accuracy {:.0}%", a * 100.0));
        }
        if self.policy == "fp16-amp" {
            parts.push(format!(
                "loss scale {} ({} skipped)",
                super::number::power_of_two(f64::from(self.loss_scale))
                    .unwrap_or_else(|| sig(f64::from(self.loss_scale), 3)),
                self.skipped
            ));
        }
        parts.push(format!(
            "logit gradients flushed to zero: {:.0}%",
            self.flushed * 100.0
        ));
        parts.push(format!(
            "gradients that are zero: {:.0}%",
            self.zeros * 100.0
        ));
        if self.updates_lost > 0.0 {
            parts.push(format!(
                "{:.1}% of updates lost to rounding",
                self.updates_lost * 100.0
            ));
        }
        parts.join(" · ")
    }

    /// Why the run stopped, if it did.
    pub fn stopped_text(&self) -> Option<String> {
        self.stopped.map(|s| s.explanation())
    }

    /// Whether the run diverged (NaN/Inf).
    pub fn diverged(&self) -> bool {
        matches!(self.stopped, Some(Stopped::Diverged { .. }))
    }
}

/// The progress line: step count out of the horizon, steps per second while training.
pub fn progress_text(
    steps: u64,
    horizon: u64,
    per_second: Option<f64>,
    runs: usize,
    playing: bool,
) -> String {
    let rate = match per_second {
        Some(r) if playing => format!(" · {} steps/s per run", sig(r / runs.max(1) as f64, 3)),
        _ => String::new(),
    };
    let state = if steps >= horizon {
        "finished"
    } else if playing {
        "training"
    } else {
        "paused"
    };
    format!("step {steps} of {horizon}{rate} · {state}")
}

/// The fixed workloads of the steps-per-second benchmark (the same as `benches/train.rs`): two
/// spirals of 512 points, noise 0.1, tanh, cross-entropy, SGD 0.03 with momentum, batch 64.
pub fn bench_config(policy: Policy, hidden: &[usize]) -> RunConfig {
    RunConfig {
        data: DataConfig {
            kind: DatasetKind::Spirals,
            points: 512,
            noise: 0.1,
            seed: 1,
        },
        hidden: hidden.to_vec(),
        activation: Activation::Tanh,
        loss: Loss::CrossEntropy,
        optimizer: Optimizer::sgd(0.03),
        batch_size: 64,
        policy,
        seed: 1,
        loss_shift: 0,
        weight_scale: 1.0,
        max_steps: None,
    }
}

/// The benchmark's networks: 2 x 32 and 4 x 64 hidden units.
pub const BENCH_NETWORKS: [&[usize]; 2] = [&[32, 32], &[64, 64, 64, 64]];

/// Hidden widths of the CPU-vs-GPU benchmark (`cargo bench --bench gpu`, `?view=train&bench=gpu`):
/// two hidden layers of each width, on [`bench_config`]'s workload.
pub const GPU_BENCH_WIDTHS: [usize; 6] = [16, 32, 64, 128, 256, 512];

/// Cells per side of the decision heat maps.
pub const HEAT_RESOLUTION: usize = 24;

/// The pictures of a session, as SVG text: drawn by `crate::plot`, placed by the view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainPlots {
    /// Loss curves of every run on one chart.
    pub loss: String,
    /// The loss scale over time, with skipped steps marked.
    pub scale: String,
    /// Per run: the latest step's gradient histogram against its format's window.
    pub gradients: Vec<String>,
    /// Per run: the decision boundary (classification) or the fitted curve (regression).
    pub decisions: Vec<String>,
}

/// Which plot theme to draw for.
pub use crate::plot::Theme;

impl Session {
    /// Draws every plot of the session for `theme`.
    pub fn plots(&self, theme: Theme) -> TrainPlots {
        use crate::plot::train::{
            decision_boundary, gradient_histogram, loss_curves, loss_scale, DecisionInput,
            GradientInput, RunSeries, RunsInput,
        };
        let labels: Vec<&str> = self
            .lanes
            .iter()
            .map(|l| policy_short_label(&l.run.config().policy))
            .collect();
        let series: Vec<RunSeries<'_>> = self
            .lanes
            .iter()
            .zip(&labels)
            .map(|(l, label)| RunSeries {
                label,
                history: l.run.history(),
                look: crate::plot::recipe_look(l.run.config().policy.name()),
            })
            .collect();
        let runs = RunsInput {
            runs: &series,
            theme,
        };
        TrainPlots {
            loss: loss_curves(&runs).svg,
            scale: loss_scale(&runs).svg,
            gradients: self
                .lanes
                .iter()
                .zip(&labels)
                .map(|(l, label)| {
                    gradient_histogram(&GradientInput {
                        histogram: &l.histogram,
                        precision: l.gradient_format,
                        label,
                        theme,
                    })
                    .svg
                })
                .collect(),
            decisions: self
                .lanes
                .iter()
                .zip(&labels)
                .map(|(l, label)| match l.decision_grid(HEAT_RESOLUTION) {
                    Some(grid) => {
                        decision_boundary(&DecisionInput {
                            grid: &grid,
                            data: Some(l.run.data()),
                            label,
                            theme,
                        })
                        .svg
                    }
                    None => placeholder(
                        &format!("{label}: a regression run has no decision boundary"),
                        theme,
                    ),
                })
                .collect(),
        }
    }
}

/// A labelled empty frame where a chart does not apply.
fn placeholder(caption: &str, theme: Theme) -> String {
    let (bg, fg) = match theme {
        Theme::Light => ("#ffffff", "#545d6e"),
        Theme::Dark => ("#181c24", "#a3acbd"),
    };
    let caption = crate::plot::escape(caption);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 360 120\" role=\"img\"><title>{caption}</title><rect width=\"360\" height=\"120\" fill=\"{bg}\" stroke=\"{fg}\" stroke-dasharray=\"4 4\"/><text x=\"180\" y=\"64\" text-anchor=\"middle\" font-size=\"12\" fill=\"{fg}\">{caption}</text></svg>"
    )
}
