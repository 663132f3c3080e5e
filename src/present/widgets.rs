//! What a course author needs to embed each widget: what it shows, the URL parameters it reads
//! (the same as its view's), and an example. The widget reference page (`?view=embed`) shows
//! this with a live preview of each; a native test checks every parameter named here is one a
//! view actually reads.

use crate::route::Widget;

/// A URL parameter of a widget, and what it does.
pub type Param = (&'static str, &'static str);

const THEME: Param = (
    "theme",
    "light or dark; without it the widget follows the page around it (with embed.js) or is light",
);
const COMPACT: Param = (
    "compact",
    "0 for the full widget; by default an embed shows its compact form, the rest one click away",
);
const FORMAT: Param = (
    "format",
    "a format name (fp32, bf16, e4m3fn, nf4, … or custom)",
);
const VALUE: Param = (
    "value",
    "a number to store: 0.1, 1/3, 0x1.8p3, 1e-5, max, eps, inf",
);
const BITS: Param = ("bits", "a raw code instead of a value: 0x3c00");
const ROUND: Param = (
    "round",
    "nearest-even (default), nearest-away, toward-zero, up, down or stochastic",
);
const OVERFLOW: Param = (
    "overflow",
    "saturate to clamp instead of each format's own rule",
);
const COMPARE: Param = (
    "compare",
    "the formats to compare, comma separated, up to six",
);

/// One widget's entry in the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WidgetDoc {
    pub widget: Widget,
    /// What it shows, in a sentence.
    pub shows: &'static str,
    /// The parameters it reads, besides `embed`.
    pub params: &'static [Param],
    /// An example state (the query after `embed=<widget>&`).
    pub example: &'static str,
}

/// Every widget, in the order of [`Widget::ALL`].
pub const WIDGET_DOCS: [WidgetDoc; 12] = [
    WidgetDoc {
        widget: Widget::Editor,
        shows: "The bit-layout editor: click bits or type a number, and read the exact stored value, the rounding error and the neighbours.",
        params: &[FORMAT, VALUE, BITS, ROUND, ("seed", "the seed of stochastic rounding"), OVERFLOW, COMPACT, THEME],
        example: "format=fp16&value=65504",
    },
    WidgetDoc {
        widget: Widget::SameValue,
        shows: "One number rounded into every format, with its error and code, and what happened (overflow, underflow, subnormal).",
        params: &[FORMAT, VALUE, BITS, ROUND, OVERFLOW, THEME],
        example: "value=0.1",
    },
    WidgetDoc {
        widget: Widget::Facts,
        shows: "The table of format facts: bits, range, precision and specials of every format, downloadable as CSV or Markdown.",
        params: &[
            ("cols", "the columns, comma separated: bits, exp, man, bias, max, min-normal, min-subnormal, eps, resolution, digits, inf, nan, neg-zero, bytes"),
            COMPACT,
            THEME,
        ],
        example: "cols=bits,exp,man,max,eps",
    },
    WidgetDoc {
        widget: Widget::Mx,
        shows: "A block-scaled block: OCP MX (32 values sharing one E8M0 scale) or NVFP4 (16 values, an E4M3 scale and an fp32 tensor scale), each value stored in the element format.",
        params: &[
            ("mxel", "the block format: mxfp8-e4m3, mxfp8-e5m2, mxfp6-e3m2, mxfp6-e2m3, mxfp4-e2m1, mxint8 or nvfp4"),
            ("mxscale", "how the shared scale is rounded: floor (the spec), up or even"),
            ("mx", "the block's values, comma separated (1 to 32)"),
            THEME,
        ],
        example: "mxel=mxfp4-e2m1&mx=0.1,0.2,4,100",
    },
    WidgetDoc {
        widget: Widget::Range,
        shows: "How far each format reaches: bars from the smallest subnormal to the largest value, with a value marked.",
        params: &[COMPARE, FORMAT, VALUE, THEME],
        example: "compare=fp32,fp16,bf16&value=65504",
    },
    WidgetDoc {
        widget: Widget::Precision,
        shows: "How coarse each format gets: the relative gap between neighbours across the whole range.",
        params: &[COMPARE, FORMAT, VALUE, THEME],
        example: "compare=fp16,bf16,e4m3fn",
    },
    WidgetDoc {
        widget: Widget::NumberLine,
        shows: "Every value of a format on a number line (a density for the wide formats).",
        params: &[FORMAT, VALUE, THEME],
        example: "format=e4m3fn&value=3",
    },
    WidgetDoc {
        widget: Widget::Quantize,
        shows: "What storing a distribution in a format does, with a scale slider: the idea behind loss scaling.",
        params: &[
            FORMAT,
            ("dist", "the distribution: lognormal (default), normal, uniform, or mx for the MX block's values"),
            ("sigma", "its spread"),
            ("median", "its median, as a power of two"),
            ("scale", "the scale applied before storing, as a power of two"),
            ("qseed", "the seed of the sample"),
            THEME,
        ],
        example: "format=fp16&median=-20&scale=10",
    },
    WidgetDoc {
        widget: Widget::Rounding,
        shows: "The stored value and the rounding error across one binade of a format.",
        params: &[FORMAT, VALUE, ROUND, OVERFLOW, THEME],
        example: "format=bf16&value=1.5",
    },
    WidgetDoc {
        widget: Widget::Memory,
        shows: "The memory calculator: will a model fit, and where does the memory go, for training or inference.",
        params: &[
            ("model", "a preset (qwen2-72b, qwen2.5-7b, mistral-7b, mixtral-8x7b, llama-3.2-1b, llama-3-8b, llama-3-70b, llama-3.1-405b, gemma-2-9b, phi-3-mini, deepseek-v3, gpt2), params for a bare count or custom for your own shapes (or paste a config.json in the widget)"),
            ("params", "a parameter count: 7e9, 7B, 124M"),
            ("mode", "inference or training"),
            ("gpu", "the GPU"),
            ("gpus", "how many GPUs"),
            ("weights", "the weight format for inference (bf16, fp8, int4, nf4, …)"),
            ("context", "the context length for inference"),
            ("recipe", "the training precision recipe"),
            ("zero", "the ZeRO stage for training"),
            COMPACT,
            THEME,
        ],
        example: "model=mistral-7b&mode=training&gpus=8&zero=3",
    },
    WidgetDoc {
        widget: Widget::Trainer,
        shows: "A small network trained in up to four precision recipes side by side, on the GPU or the CPU.",
        params: &[
            ("policies", "the recipes, comma separated: fp32, fp16-pure, fp16-master, fp16-amp, bf16-mixed, fp8, fp8-current, mxfp8, nvfp4; NVFP4 without one of its tricks: nvfp4-no-sr, nvfp4-no-rht, nvfp4-no-bf16-last, nvfp4-no-tensor-scale (several in that order, e.g. nvfp4-no-sr-no-rht)"),
            ("data", "spirals, circles, xor, gaussians or sine"),
            ("hidden", "hidden layer widths, comma separated"),
            ("hard", "make it hard: the loss is multiplied by 2^-n"),
            ("steps", "the step the runs stop at"),
            ("backend", "cpu or webgpu (default: the GPU when the browser has a real one)"),
            THEME,
        ],
        example: "policies=fp32,fp16-pure,fp16-amp&hard=20",
    },
    WidgetDoc {
        widget: Widget::Tensor,
        shows: "A tensor against every format: overflow, flush to zero, exact values and SQNR, from a file the reader opens (never uploaded), pasted numbers or a demo.",
        params: &[
            ("demo", "a demo tensor: weights, activations or gradients"),
            ("scale", "none (default), tensor (one absmax scale) or block (MX per 32, int/nf4 per 64)"),
            THEME,
        ],
        example: "demo=activations&scale=block",
    },
];

/// The reference entry of a widget.
pub fn widget_doc(widget: Widget) -> &'static WidgetDoc {
    WIDGET_DOCS
        .iter()
        .find(|d| d.widget == widget)
        .expect("every widget has an entry")
}
