//! One look per number format and per training recipe: the same hue and line pattern in every
//! plot, legend and card, whatever else is on screen (fp32 is blue whether it is compared first or
//! fifth, fp16-amp is green under every trainer preset).
//!
//! Six hues from the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), shaded per
//! theme in [`super::Palette`] to keep 3:1 contrast with the background; they stay distinguishable
//! with the common colour-vision deficiencies. Twenty formats need more than six looks, so the
//! formats a learner compares most (fp32, fp16, bf16, the two OCP FP8s, fp64) get the six solid
//! lines and the rest add a dash pattern: no two catalogue formats look alike, and a reader who
//! cannot tell two hues apart still has the pattern (and the label) to go on. The CSS of the
//! cards and legends outside the plots names the same hues (`--hue-<name>` in `style/base.css`;
//! a test keeps the two in step).

/// A hue of the series palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hue {
    Blue,
    Vermillion,
    Green,
    Purple,
    Ochre,
    Grey,
}

impl Hue {
    pub const ALL: [Hue; 6] = [
        Hue::Blue,
        Hue::Vermillion,
        Hue::Green,
        Hue::Purple,
        Hue::Ochre,
        Hue::Grey,
    ];

    /// Its name in the CSS custom property `--hue-<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Hue::Blue => "blue",
            Hue::Vermillion => "vermillion",
            Hue::Green => "green",
            Hue::Purple => "purple",
            Hue::Ochre => "ochre",
            Hue::Grey => "grey",
        }
    }

    pub(crate) fn index(self) -> usize {
        Hue::ALL
            .iter()
            .position(|h| *h == self)
            .expect("every hue is in ALL")
    }
}

/// A line pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
    DashDot,
}

impl Dash {
    /// The SVG `stroke-dasharray`, `None` for a solid line.
    pub fn dasharray(self) -> Option<&'static str> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some("6 3"),
            Dash::Dotted => Some("1.5 2.5"),
            Dash::DashDot => Some("7 3 1.5 3"),
        }
    }
}

/// How a series is drawn: its hue and line pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Look {
    pub hue: Hue,
    pub dash: Dash,
}

const fn look(hue: Hue, dash: Dash) -> Look {
    Look { hue, dash }
}

/// Every catalogue format's look, in catalogue order.
pub const FORMAT_LOOKS: [(&str, Look); 20] = [
    ("fp64", look(Hue::Grey, Dash::Solid)),
    ("fp32", look(Hue::Blue, Dash::Solid)),
    ("fp16", look(Hue::Vermillion, Dash::Solid)),
    ("bf16", look(Hue::Green, Dash::Solid)),
    ("tf32", look(Hue::Blue, Dash::Dashed)),
    ("e5m2", look(Hue::Ochre, Dash::Solid)),
    ("e4m3fn", look(Hue::Purple, Dash::Solid)),
    ("e4m3fnuz", look(Hue::Purple, Dash::Dashed)),
    ("e5m2fnuz", look(Hue::Ochre, Dash::Dashed)),
    ("e4m3", look(Hue::Purple, Dash::Dotted)),
    ("e3m4", look(Hue::Green, Dash::Dashed)),
    ("e3m2fn", look(Hue::Vermillion, Dash::Dashed)),
    ("e2m3fn", look(Hue::Vermillion, Dash::Dotted)),
    ("e2m1fn", look(Hue::Green, Dash::Dotted)),
    ("e8m0fnu", look(Hue::Grey, Dash::Dashed)),
    ("int16", look(Hue::Grey, Dash::Dotted)),
    ("int8", look(Hue::Blue, Dash::Dotted)),
    ("int4", look(Hue::Ochre, Dash::Dotted)),
    ("uint8", look(Hue::Blue, Dash::DashDot)),
    ("nf4", look(Hue::Green, Dash::DashDot)),
];

/// A format of the learner's own design (any name not in the catalogue).
pub const CUSTOM_LOOK: Look = look(Hue::Grey, Dash::DashDot);

/// The look of a format, by its catalogue name; a custom format's otherwise.
pub fn format_look(name: &str) -> Look {
    FORMAT_LOOKS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(CUSTOM_LOOK, |(_, l)| *l)
}

/// Every trainer recipe's look (`train::Policy::name`): the six classic recipes in six solid
/// hues; the block-scaled ones and NVFP4's variants, which are compared among themselves, with a
/// dash pattern (NVFP4 and its variants in one hue's patterns would collide, so each takes a hue
/// the recipes it is compared with do not use).
pub const RECIPE_LOOKS: [(&str, Look); 13] = [
    ("fp32", look(Hue::Blue, Dash::Solid)),
    ("fp16-pure", look(Hue::Vermillion, Dash::Solid)),
    ("fp16-master", look(Hue::Purple, Dash::Solid)),
    ("fp16-amp", look(Hue::Green, Dash::Solid)),
    ("bf16-mixed", look(Hue::Ochre, Dash::Solid)),
    ("fp8", look(Hue::Grey, Dash::Solid)),
    ("fp8-current", look(Hue::Grey, Dash::Dashed)),
    ("mxfp8", look(Hue::Purple, Dash::Dashed)),
    ("nvfp4", look(Hue::Green, Dash::Dashed)),
    ("nvfp4-no-sr", look(Hue::Vermillion, Dash::Dotted)),
    ("nvfp4-no-rht", look(Hue::Ochre, Dash::Dotted)),
    ("nvfp4-no-bf16-last", look(Hue::Purple, Dash::Dotted)),
    ("nvfp4-no-tensor-scale", look(Hue::Grey, Dash::Dotted)),
];

/// The look of a recipe by its name; a grey dash-dot line for a name this table does not know.
pub fn recipe_look(name: &str) -> Look {
    RECIPE_LOOKS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(CUSTOM_LOOK, |(_, l)| *l)
}
