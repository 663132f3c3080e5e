//! Plots: the SVG strings of `precision_lab::plot`, read back with a strict little XML reader
//! (well-formed, known element names only, entities only where allowed), then checked for the
//! series, labels and markers a learner should see, at the pixels the axis mapping gives.

use std::collections::BTreeMap;

use precision_lab::formats::{Format, Overflow, Rounding};
use precision_lab::plot::precision::{self, PrecisionInput};
use precision_lab::plot::range::{self, RangeInput};
use precision_lab::plot::{Axis, NamedFormat, Plot, Theme};

// ---------------------------------------------------------------------------------------------
// A strict reader for the SVG we emit.

/// One element: its name, attributes, text body, and the `data-*` attributes of its ancestors.
#[derive(Debug, Clone)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    inherited: BTreeMap<String, String>,
}

impl Node {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }

    #[track_caller]
    fn int(&self, key: &str) -> i32 {
        self.attr(key)
            .unwrap_or_else(|| panic!("{} has no {key}: {self:?}", self.name))
            .parse()
            .unwrap_or_else(|_| panic!("{key} is not an integer: {self:?}"))
    }

    /// The attribute on this element or an ancestor.
    fn data(&self, key: &str) -> Option<&str> {
        self.attr(key)
            .or_else(|| self.inherited.get(key).map(String::as_str))
    }
}

const ELEMENTS: [&str; 11] = [
    "svg", "title", "desc", "g", "rect", "line", "polyline", "polygon", "path", "circle", "text",
];

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';').expect("entity ends with ;") + at;
        let entity = &rest[at + 1..end];
        out.push(match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            other => panic!("unknown entity &{other};"),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Parses the whole document, panicking on anything that is not well-formed or not ours.
#[track_caller]
fn parse(svg: &str) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    // Stack of (element name, index into nodes).
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut rest = svg.trim_end();
    assert!(
        rest.starts_with("<svg "),
        "document starts with <svg: {}",
        &rest[..20.min(rest.len())]
    );
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..lt];
        assert!(!text.contains('>'), "raw > in text {text:?}");
        if let Some(&(_, index)) = stack.last() {
            nodes[index].text.push_str(&unescape(text));
        } else {
            assert!(text.trim().is_empty(), "text outside the root: {text:?}");
        }
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        let gt = rest.find('>').expect("tag ends with >");
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let (open, _) = stack.pop().expect("closing tag has an opening tag");
            assert_eq!(open, name, "tags nest");
            continue;
        }
        let (tag, self_closing) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        assert!(ELEMENTS.contains(&name), "unexpected element <{name}>");
        let mut attrs = BTreeMap::new();
        let mut a = tag[name_end..].trim_start();
        while !a.is_empty() {
            let eq = a.find("=\"").expect("attribute has =\"");
            let key = a[..eq].trim();
            assert!(
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
                "bad attribute name {key:?}"
            );
            let value_end = a[eq + 2..].find('"').expect("attribute value closes") + eq + 2;
            let value = &a[eq + 2..value_end];
            assert!(!value.contains('<'), "raw < in attribute {key}");
            assert!(
                attrs.insert(key.to_string(), unescape(value)).is_none(),
                "duplicate attribute {key}"
            );
            a = a[value_end + 1..].trim_start();
        }
        let mut inherited = BTreeMap::new();
        for (_, index) in &stack {
            for (k, v) in &nodes[*index].attrs {
                if k.starts_with("data-") {
                    inherited.insert(k.clone(), v.clone());
                }
            }
        }
        nodes.push(Node {
            name: name.to_string(),
            attrs,
            text: String::new(),
            inherited,
        });
        if !self_closing {
            stack.push((name.to_string(), nodes.len() - 1));
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    nodes
}

fn find<'a>(nodes: &'a [Node], name: &str, pairs: &[(&str, &str)]) -> Vec<&'a Node> {
    nodes
        .iter()
        .filter(|n| n.name == name && pairs.iter().all(|(k, v)| n.data(k) == Some(*v)))
        .collect()
}

#[track_caller]
fn one<'a>(nodes: &'a [Node], name: &str, pairs: &[(&str, &str)]) -> &'a Node {
    let found = find(nodes, name, pairs);
    assert_eq!(
        found.len(),
        1,
        "exactly one <{name}> with {pairs:?}, found {found:?}"
    );
    found[0]
}

fn texts(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter(|n| n.name == "text")
        .map(|n| n.text.trim().to_string())
        .collect()
}

/// Checks the outer element: scalable, with a viewBox of the plot's size, a title equal to the caption.
#[track_caller]
fn check_frame(plot: &Plot) -> Vec<Node> {
    let nodes = parse(&plot.svg);
    let root = &nodes[0];
    assert_eq!(root.name, "svg");
    assert_eq!(root.attr("width"), Some("100%"));
    assert_eq!(
        root.attr("viewBox"),
        Some(format!("0 0 {} {}", plot.size.0, plot.size.1).as_str())
    );
    assert!(plot.size.0 <= 360, "fits a 375 px phone: {:?}", plot.size);
    assert_eq!(nodes[1].name, "title");
    assert_eq!(nodes[1].text, plot.caption);
    assert_eq!(root.attr("aria-label"), Some(plot.caption.as_str()));
    assert!(!plot.caption.is_empty());
    assert!(
        !texts(&nodes)
            .iter()
            .any(|t| t.starts_with("Plot unavailable")),
        "drawing failed: {:?}",
        texts(&nodes)
    );
    nodes
}

fn fmt(name: &str) -> Format {
    name.parse().unwrap()
}

fn named(names: &[&str]) -> Vec<NamedFormat> {
    names.iter().map(|n| NamedFormat::from(fmt(n))).collect()
}

/// The pixel of `v` on a linear axis, within one pixel: the mapping read off the axis's end points.
#[track_caller]
fn assert_pixel(axis: &Axis, v: f64, px: i32) {
    let exact = f64::from(axis.px_lo)
        + f64::from(axis.px_hi - axis.px_lo) * (v - axis.lo) / (axis.hi - axis.lo);
    assert!(
        (f64::from(px) - exact).abs() <= 1.0,
        "pixel of {v}: {px}, expected {exact}"
    );
    assert_eq!(px, axis.map(v), "pixel of {v} is the axis mapping's");
}

// ---------------------------------------------------------------------------------------------
// Shared infrastructure.

#[test]
fn escape_makes_any_text_inert() {
    use precision_lab::plot::escape;
    assert_eq!(
        escape("<script>alert(\"x\")</script> & 'y'"),
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;y&apos;"
    );
    assert_eq!(escape("a\u{0}b\u{1b}c\td"), "a\u{fffd}b\u{fffd}c\td");
}

#[test]
fn theme_colours_keep_their_contrast() {
    for theme in [Theme::Light, Theme::Dark] {
        let p = theme.palette();
        assert!(p.text.contrast(p.background) >= 7.0, "{theme:?} text");
        assert!(
            p.muted.contrast(p.background) >= 4.5,
            "{theme:?} muted text"
        );
        assert!(p.axis.contrast(p.background) >= 3.0, "{theme:?} axis");
        assert!(p.marker.contrast(p.background) >= 3.0, "{theme:?} marker");
        for (i, c) in p.series.iter().enumerate() {
            assert!(
                c.contrast(p.background) >= 3.0,
                "{theme:?} series {i}: {}",
                c.contrast(p.background)
            );
        }
    }
    assert_ne!(
        Theme::Light.palette().background,
        Theme::Dark.palette().background
    );
}

/// A hostile label reaches the SVG only as text, in every plot that shows labels.
#[test]
fn format_labels_cannot_inject_markup() {
    let evil = "<script>alert(\"pwned\")</script> & co";
    let formats = vec![NamedFormat {
        label: evil.to_string(),
        format: fmt("fp16"),
    }];
    let plots = [
        range::dynamic_range(&RangeInput {
            formats: &formats,
            value: Some(0.1),
            rounding: Rounding::NearestEven,
            overflow: Overflow::Default,
            theme: Theme::Dark,
        }),
        precision::precision(&PrecisionInput {
            formats: &formats,
            value: Some(0.1),
            theme: Theme::Light,
        }),
    ];
    for plot in plots {
        assert!(!plot.svg.contains("<script"), "{}", plot.svg);
        assert!(plot
            .svg
            .contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; co"));
        let nodes = check_frame(&plot);
        assert!(
            texts(&nodes).iter().any(|t| t.contains(evil)),
            "the label is shown as text"
        );
        assert!(find(&nodes, "g", &[("data-format", evil)]).len() == 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Plot 1: dynamic range.

fn range_input(formats: &[NamedFormat], value: Option<f64>) -> RangeInput<'_> {
    RangeInput {
        formats,
        value,
        rounding: Rounding::NearestEven,
        overflow: Overflow::Default,
        theme: Theme::Light,
    }
}

#[track_caller]
fn check_region(nodes: &[Node], axis: &Axis, format: &str, region: &str, from: f64, to: f64) {
    let rect = one(
        nodes,
        "rect",
        &[("data-format", format), ("data-region", region)],
    );
    let x = rect.int("x");
    assert_pixel(axis, from, x);
    assert_pixel(axis, to, x + rect.int("width"));
}

#[test]
fn range_regions_sit_at_the_format_boundaries() {
    let formats = named(&["fp16", "e4m3fn", "bf16"]);
    let input = range_input(&formats, None);
    let plot = range::dynamic_range(&input);
    let nodes = check_frame(&plot);
    let axis = range::axis(&input);
    // The axis spans two binades beyond bf16's 2^-133 and its max (~2^128).
    assert_eq!((axis.lo, axis.hi), (-135.0, 130.0));
    check_region(&nodes, &axis, "fp16", "underflow", -135.0, -24.0);
    check_region(&nodes, &axis, "fp16", "subnormal", -24.0, -14.0);
    check_region(&nodes, &axis, "fp16", "normal", -14.0, 65504f64.log2());
    check_region(&nodes, &axis, "fp16", "overflow", 65504f64.log2(), 130.0);
    check_region(&nodes, &axis, "e4m3fn", "subnormal", -9.0, -6.0);
    check_region(&nodes, &axis, "e4m3fn", "normal", -6.0, 448f64.log2());
    check_region(&nodes, &axis, "bf16", "subnormal", -133.0, -126.0);
    // Tooltips carry the exact boundary values.
    let sub = one(
        &nodes,
        "rect",
        &[("data-format", "fp16"), ("data-region", "subnormal")],
    );
    let tip = &nodes[nodes.iter().position(|n| std::ptr::eq(n, sub)).unwrap() + 1];
    assert_eq!(tip.name, "title");
    assert_eq!(
        tip.text,
        "fp16: subnormal from 2⁻²⁴ to 0.00006103515625, fewer significant bits"
    );
}

/// Zoomed to the fp8 formats alone, where one binade is many pixels wide, the boundaries are exact.
#[test]
fn range_regions_for_e4m3fn_alone() {
    let formats = named(&["e4m3fn"]);
    let input = range_input(&formats, None);
    let nodes = check_frame(&range::dynamic_range(&input));
    let axis = range::axis(&input);
    assert_eq!((axis.lo, axis.hi), (-11.0, 11.0));
    check_region(&nodes, &axis, "e4m3fn", "underflow", -11.0, -9.0);
    check_region(&nodes, &axis, "e4m3fn", "subnormal", -9.0, -6.0);
    check_region(&nodes, &axis, "e4m3fn", "normal", -6.0, 448f64.log2());
    check_region(&nodes, &axis, "e4m3fn", "overflow", 448f64.log2(), 11.0);
    // One binade is (px_hi - px_lo) / 22 pixels: the subnormal bar is three of them.
    let sub = one(
        &nodes,
        "rect",
        &[("data-format", "e4m3fn"), ("data-region", "subnormal")],
    );
    let per_binade = f64::from(axis.px_hi - axis.px_lo) / 22.0;
    assert!((f64::from(sub.int("width")) - 3.0 * per_binade).abs() <= 1.0);
}

#[test]
fn range_marks_the_stored_value_in_every_format() {
    let formats = named(&["fp16", "e4m3fn", "e2m1fn"]);
    let input = range_input(&formats, Some(0.1));
    let plot = range::dynamic_range(&input);
    let nodes = check_frame(&plot);
    let axis = range::axis(&input);
    // fp16 stores 0.1 as 0.0999755859375 (1638 x 2^-14); e4m3fn as 0.1015625 (13 x 2^-7);
    // e2m1fn's smallest value is 0.5, and 0.1 is nearer 0.
    let all = texts(&nodes);
    assert!(
        all.contains(&"fp16  stores 0.0999755859375".to_string()),
        "{all:?}"
    );
    assert!(
        all.contains(&"e4m3fn  stores 0.1015625".to_string()),
        "{all:?}"
    );
    assert!(all.contains(&"e2m1fn  stores 0".to_string()), "{all:?}");
    let marker = |f: &str| {
        one(
            &nodes,
            "polygon",
            &[("data-format", f), ("data-marker", "stored")],
        )
        .int("data-x")
    };
    assert_eq!(marker("fp16"), axis.map(0.0999755859375f64.log2()));
    assert_eq!(marker("e4m3fn"), axis.map(0.1015625f64.log2()));
    assert_eq!(marker("e2m1fn"), axis.px_lo, "zero sits at the left end");
    let line = one(&nodes, "line", &[("data-marker", "value")]);
    assert_eq!(line.int("x1"), axis.map(0.1f64.log2()));
    assert!(
        plot.caption
            .contains("Triangles: 0.1 as each format stores it"),
        "{}",
        plot.caption
    );
    // Overflow follows the policy: fp16 turns 1e5 into +Inf, or 65504 when saturating.
    let big = RangeInput {
        value: Some(1e5),
        ..range_input(&formats, None)
    };
    let all = texts(&check_frame(&range::dynamic_range(&big)));
    assert!(all.contains(&"fp16  stores +Inf".to_string()), "{all:?}");
    assert!(all.contains(&"e4m3fn  stores NaN".to_string()), "{all:?}");
    assert!(all.contains(&"e2m1fn  stores 6".to_string()), "{all:?}");
    let saturating = RangeInput {
        overflow: Overflow::Saturate,
        ..big
    };
    let all = texts(&check_frame(&range::dynamic_range(&saturating)));
    assert!(all.contains(&"fp16  stores 65504".to_string()), "{all:?}");
    assert!(all.contains(&"e4m3fn  stores 448".to_string()), "{all:?}");
}

#[test]
fn range_without_formats_says_so() {
    let nodes = check_frame(&range::dynamic_range(&range_input(&[], Some(1.0))));
    assert!(texts(&nodes).contains(&"Choose a format to see its range.".to_string()));
}

// ---------------------------------------------------------------------------------------------
// Plot 2: precision.

#[test]
fn gap_runs_follow_the_format_structure() {
    use precision::{gap_runs, relative_gap, GapRun};
    let runs = gap_runs(&fmt("e4m3fn"));
    // Subnormals 2^-9..2^-6 with gap 2^-9, then binades 2^-6 .. 2^8 with gap 2^(e-3), the last
    // ending at 448.
    assert_eq!(
        runs[0],
        GapRun {
            from: 2f64.powi(-9),
            to: 2f64.powi(-6),
            gap: 2f64.powi(-9)
        }
    );
    assert_eq!(
        runs[1],
        GapRun {
            from: 2f64.powi(-6),
            to: 2f64.powi(-5),
            gap: 2f64.powi(-9)
        }
    );
    assert_eq!(
        runs.last(),
        Some(&GapRun {
            from: 256.0,
            to: 448.0,
            gap: 32.0
        })
    );
    assert_eq!(runs.len(), 1 + 15);
    assert_eq!(gap_runs(&fmt("fp16")).len(), 1 + 30);
    assert_eq!(
        gap_runs(&fmt("int8")),
        vec![GapRun {
            from: 1.0,
            to: 127.0,
            gap: 1.0
        }]
    );
    // NF4: 8 positive levels, 7 gaps.
    assert_eq!(gap_runs(&fmt("nf4")).len(), 7);
    // e8m0fnu: no subnormals, every binade holds one value.
    let e8 = gap_runs(&fmt("e8m0fnu"));
    assert_eq!(
        e8[0],
        GapRun {
            from: 2f64.powi(-127),
            to: 2f64.powi(-126),
            gap: 2f64.powi(-127)
        }
    );
    assert_eq!(
        relative_gap(&fmt("fp16"), 1.0),
        Some((2f64.powi(-10), 2f64.powi(-10)))
    );
    assert_eq!(
        relative_gap(&fmt("fp16"), -1.5),
        Some((2f64.powi(-10), 2f64.powi(-10) / 1.5))
    );
    assert_eq!(
        relative_gap(&fmt("fp16"), 2f64.powi(-24)),
        Some((2f64.powi(-24), 1.0))
    );
    assert_eq!(
        relative_gap(&fmt("fp16"), 65504.0),
        Some((32.0, 32.0 / 65504.0))
    );
    assert_eq!(relative_gap(&fmt("fp16"), 1e5), None);
    assert_eq!(relative_gap(&fmt("fp16"), 0.0), None);
}

#[test]
fn precision_draws_the_sawtooth_and_marks_epsilon_and_the_value() {
    let formats = named(&["fp16", "e4m3fn"]);
    let input = PrecisionInput {
        formats: &formats,
        value: Some(0.1),
        theme: Theme::Light,
    };
    let plot = precision::precision(&input);
    let nodes = check_frame(&plot);
    let (x, y) = precision::axes(&input);
    // x: 2^-25 .. 2^17 (fp16's values, a binade to spare); y: down to one below 2^-11.
    assert_eq!((x.lo, x.hi, y.lo, y.hi), (-25.0, 17.0, -12.0, 1.0));
    let curve = one(
        &nodes,
        "polyline",
        &[("data-format", "fp16"), ("data-series", "relative-gap")],
    );
    let points: Vec<(i32, i32)> = curve
        .attr("points")
        .unwrap()
        .split(' ')
        .map(|p| {
            let (a, b) = p.split_once(',').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect();
    // The subnormal line from (2^-24, 1) to (2^-14, 2^-10), then a tooth per binade: from 2^-M at
    // 2^e down to 2^-(M+1) at 2^(e+1), 30 of them, the last ending at 65504.
    assert_eq!(points[0], (x.map(-24.0), y.map(0.0)));
    assert_eq!(points[1], (x.map(-14.0), y.map(-10.0)));
    assert_eq!(points[2], (x.map(-13.0), y.map(-11.0)));
    assert_eq!(points[3], (x.map(-13.0), y.map(-10.0)));
    assert_eq!(
        points.last(),
        Some(&(x.map(65504f64.log2()), y.map((32.0f64 / 65504.0).log2())))
    );
    assert_eq!(points.len(), 2 + 2 * 30 - 1);
    let eps = one(
        &nodes,
        "circle",
        &[("data-format", "e4m3fn"), ("data-marker", "epsilon")],
    );
    assert_eq!((eps.int("cx"), eps.int("cy")), (x.map(0.0), y.map(-3.0)));
    assert!(
        texts(&nodes).contains(&"ε 2⁻¹⁰".to_string())
            || texts(&nodes).contains(&"ε 0.0009765625".to_string())
    );
    assert!(texts(&nodes).contains(&"ε 0.125".to_string()));
    // 0.1 lies in fp16's binade [2^-4, 2^-3): gap 2^-14.
    let value = one(
        &nodes,
        "circle",
        &[("data-format", "fp16"), ("data-marker", "value")],
    );
    assert_eq!(value.int("cx"), x.map(0.1f64.log2()));
    assert_eq!(value.int("cy"), y.map((2f64.powi(-14) / 0.1).log2()));
    let legend: Vec<_> = find(&nodes, "rect", &[])
        .into_iter()
        .filter_map(|n| n.attr("data-legend"))
        .collect();
    assert_eq!(legend, ["fp16", "e4m3fn"]);
}

#[test]
fn precision_draws_dense_sawtooth_as_a_band() {
    let formats = named(&["fp32", "fp16"]);
    let input = PrecisionInput {
        formats: &formats,
        value: None,
        theme: Theme::Dark,
    };
    let nodes = check_frame(&precision::precision(&input));
    let (x, y) = precision::axes(&input);
    // fp32's 254 binades in about 300 pixels: a band from 2^-23 down to 2^-24, from 2^-126 to the max.
    let band = one(
        &nodes,
        "polygon",
        &[
            ("data-format", "fp32"),
            ("data-series", "relative-gap-band"),
        ],
    );
    let first = band
        .attr("points")
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(first, format!("{},{}", x.map(-126.0), y.map(-23.0)));
    // Its subnormal line is still drawn, and fp16 is drawn as a band too at this zoom.
    let sub = one(&nodes, "polyline", &[("data-format", "fp32")]);
    assert_eq!(
        sub.attr("points"),
        Some(
            format!(
                "{},{} {},{}",
                x.map(-149.0),
                y.map(0.0),
                x.map(-126.0),
                y.map(-23.0)
            )
            .as_str()
        )
    );
    assert!(!find(
        &nodes,
        "polygon",
        &[
            ("data-format", "fp16"),
            ("data-series", "relative-gap-band")
        ]
    )
    .is_empty());
}

// ---------------------------------------------------------------------------------------------
// Determinism.

#[test]
fn plots_are_deterministic_and_follow_their_input() {
    let formats = named(&["fp16", "bf16", "e5m2"]);
    let a = range::dynamic_range(&range_input(&formats, Some(3.0)));
    let b = range::dynamic_range(&range_input(&formats, Some(3.0)));
    assert_eq!(a, b);
    let c = range::dynamic_range(&range_input(&formats, Some(3.5)));
    assert_ne!(a.svg, c.svg);
    let p = |theme| {
        precision::precision(&PrecisionInput {
            formats: &formats,
            value: Some(3.0),
            theme,
        })
    };
    assert_eq!(p(Theme::Dark), p(Theme::Dark));
    assert_ne!(p(Theme::Dark).svg, p(Theme::Light).svg);
    dump("range", &a);
    dump("precision", &p(Theme::Light));
}

/// Writes a plot to `$PLOT_DUMP_DIR` (for looking at it), when that is set.
fn dump(name: &str, plot: &Plot) {
    if let Ok(dir) = std::env::var("PLOT_DUMP_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.svg"), plot.standalone_svg(2)).unwrap();
    }
}
