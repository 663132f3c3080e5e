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
    let legend: Vec<_> = find(&nodes, "line", &[])
        .into_iter()
        .filter_map(|n| n.attr("data-legend"))
        .collect();
    assert_eq!(legend, ["fp16", "e4m3fn"]);
}

/// The line segments of a path's `d` (integer `M`, `L`, `H` and `V` commands), in order.
fn segments(d: &str) -> Vec<((i32, i32), (i32, i32))> {
    let mut out = Vec::new();
    let mut at = (0, 0);
    let starts: Vec<usize> = d
        .match_indices(['M', 'L', 'H', 'V'])
        .map(|(i, _)| i)
        .collect();
    for (n, &i) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(d.len());
        let args: Vec<i32> = d[i + 1..end]
            .split([' ', ','])
            .map(|a| a.parse().expect("an integer coordinate"))
            .collect();
        let next = match (&d[i..i + 1], args.as_slice()) {
            ("M", [x, y]) => {
                at = (*x, *y);
                continue;
            }
            ("L", [x, y]) => (*x, *y),
            ("H", [x]) => (*x, at.1),
            ("V", [y]) => (at.0, *y),
            other => panic!("unexpected path command {other:?} in {d}"),
        };
        out.push((at, next));
        at = next;
    }
    out
}

/// The frame (grid, axes, ticks, tick labels) is drawn with as few elements as it can be: one
/// path for the grid and one for the axes and tick marks; every `<line>` or `<polyline>` left is
/// data. Its grid lines lie under their tick labels, at the axis mapping, across the whole panel.
#[test]
fn precision_frame_is_compact_and_its_grid_meets_the_tick_labels() {
    use precision_lab::plot::svg::pow2_label;
    let formats = named(&["fp16", "e4m3fn"]);
    let input = PrecisionInput {
        formats: &formats,
        value: Some(0.1),
        theme: Theme::Light,
    };
    let plot = precision::precision(&input);
    let nodes = check_frame(&plot);
    let (x, y) = precision::axes(&input);
    let is_data = |n: &Node| {
        n.attrs
            .keys()
            .chain(n.inherited.keys())
            .any(|k| k.starts_with("data-"))
    };
    for n in &nodes {
        if n.name == "line" || n.name == "polyline" {
            assert!(is_data(n), "a frame line outside the frame's paths: {n:?}");
        }
    }
    let frame: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.name == "path" && !is_data(n))
        .collect();
    assert_eq!(frame.len(), 2, "grid, then axes and ticks: {frame:?}");
    let (grid, axes) = (
        segments(frame[0].attr("d").unwrap()),
        segments(frame[1].attr("d").unwrap()),
    );
    let power = |text: &str| (-160..=160).find(|k| pow2_label(*k) == text);
    let (mut vertical, mut horizontal) = (0, 0);
    for label in nodes
        .iter()
        .filter(|n| n.name == "text" && n.attr("transform").is_none())
    {
        let Some(k) = power(label.text.trim()) else {
            continue;
        };
        let k = f64::from(k);
        match (label.attr("text-anchor"), label.attr("dy")) {
            // An x tick label, under the panel: a grid line from bottom to top at its x, and a
            // tick mark below the panel.
            (Some("middle"), Some("0.76em")) if x.contains(k) => {
                let px = label.int("x");
                assert_eq!(px, x.map(k), "x label {}", label.text);
                assert!(label.int("y") > y.px_lo);
                assert!(
                    grid.iter().any(|&((x0, y0), (x1, y1))| x0 == px
                        && x1 == px
                        && y0.min(y1) <= y.px_hi
                        && y0.max(y1) >= y.px_lo),
                    "grid line at x label {}",
                    label.text
                );
                assert!(axes
                    .iter()
                    .any(|&((x0, y0), (x1, _))| x0 == px && x1 == px && y0 > y.px_lo));
                vertical += 1;
            }
            // A y tick label, left of the panel: a grid line across it at its y, and a tick mark.
            (Some("end"), Some("0.5ex")) if y.contains(k) => {
                let py = label.int("y");
                assert_eq!(py, y.map(k), "y label {}", label.text);
                assert!(label.int("x") < x.px_lo);
                assert!(
                    grid.iter().any(|&((x0, y0), (x1, y1))| y0 == py
                        && y1 == py
                        && x0.min(x1) <= x.px_lo
                        && x0.max(x1) >= x.px_hi),
                    "grid line at y label {}",
                    label.text
                );
                assert!(axes
                    .iter()
                    .any(|&((x0, y0), (_, y1))| y0 == py && y1 == py && x0 < x.px_lo));
                horizontal += 1;
            }
            _ => {}
        }
    }
    assert!(
        vertical >= 4 && horizontal >= 3,
        "{vertical} x and {horizontal} y tick labels"
    );
    assert_eq!(
        grid.len(),
        vertical + horizontal,
        "one grid line per tick label"
    );
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

#[test]
fn standalone_svg_has_a_fixed_size_and_the_caption() {
    let formats = named(&["e5m2"]);
    let plot = range::dynamic_range(&range_input(&formats, Some(1.0)));
    let file = plot.standalone_svg(2);
    let nodes = parse(&file);
    assert_eq!(
        nodes[0].attr("width"),
        Some(format!("{}", plot.size.0 * 2).as_str())
    );
    assert_eq!(
        nodes[0].attr("height"),
        Some(format!("{}", plot.size.1 * 2).as_str())
    );
    assert_eq!(
        nodes[0].attr("viewBox"),
        Some(format!("0 0 {} {}", plot.size.0, plot.size.1).as_str())
    );
    assert_eq!(
        (nodes[2].name.as_str(), nodes[2].text.as_str()),
        ("desc", plot.caption.as_str())
    );
}

/// Writes a plot to `$PLOT_DUMP_DIR` (for looking at it), when that is set.
fn dump(name: &str, plot: &Plot) {
    if let Ok(dir) = std::env::var("PLOT_DUMP_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.svg"), plot.standalone_svg(2)).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Plot 3: number line.

use precision_lab::plot::number_line::{self, density, symlog, values, NumberLineInput, Spacing};

fn number_input(format: &NamedFormat, value: Option<f64>) -> NumberLineInput<'_> {
    NumberLineInput {
        format,
        value,
        rounding: Rounding::NearestEven,
        overflow: Overflow::Default,
        theme: Theme::Light,
    }
}

/// The x of every `M x ...` move in a path.
fn moves(d: &str) -> Vec<i32> {
    d.split('M')
        .filter(|s| !s.is_empty())
        .map(|s| s.split(' ').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn number_line_ticks_every_value_of_e4m3fn() {
    let f = NamedFormat::from(fmt("e4m3fn"));
    let all = values(&f.format).unwrap();
    // 256 codes, 2 NaN, +0 and -0 one value: 253 distinct finite values.
    assert_eq!(
        (
            all.finite.len(),
            all.nans.clone(),
            all.infinities.len(),
            all.negative_zero
        ),
        (253, vec![0x7f, 0xff], 0, true)
    );
    let plot = number_line::number_line(&number_input(&f, Some(0.1)));
    let nodes = check_frame(&plot);
    let (linear, sym) = number_line::axes(&f.format);
    let t = 2f64.powi(-6);
    for (panel, axis, to_x) in [
        ("linear", linear, &(|v: f64| v) as &dyn Fn(f64) -> f64),
        ("symlog", sym, &|v| symlog(v, t)),
    ] {
        let normal = moves(
            one(
                &nodes,
                "path",
                &[("data-panel", panel), ("data-series", "normal")],
            )
            .attr("d")
            .unwrap(),
        );
        let sub = moves(
            one(
                &nodes,
                "path",
                &[("data-panel", panel), ("data-series", "subnormal")],
            )
            .attr("d")
            .unwrap(),
        );
        assert_eq!((normal.len(), sub.len()), (239, 14), "{panel}");
        let all_x: Vec<i32> = normal.iter().chain(&sub).copied().collect();
        for v in [448.0, -448.0, 0.0, 2f64.powi(-9), -2f64.powi(-6), 1.125] {
            assert!(all_x.contains(&axis.map(to_x(v))), "{panel}: tick at {v}");
        }
        assert!(sub.contains(&axis.map(to_x(7.0 * 2f64.powi(-9)))));
        let marker = one(
            &nodes,
            "polygon",
            &[("data-panel", panel), ("data-marker", "stored")],
        );
        assert_eq!(marker.int("data-x"), axis.map(to_x(0.1015625)), "{panel}");
    }
    // Symlog: linear to the smallest normal, one unit per binade beyond.
    assert_eq!(symlog(2f64.powi(-7), t), 0.5);
    assert_eq!(symlog(-1.0, t), -7.0);
    assert_eq!(symlog(448.0, t), 1.0 + 28672f64.log2());
    let all_text = texts(&nodes);
    assert!(
        all_text.contains(&"253 finite values · NaN: 0x7f, 0xff · no Inf · −0 exists".to_string()),
        "{all_text:?}"
    );
    assert!(all_text.contains(&"max 448".to_string()));
    assert!(all_text.contains(&"±0".to_string()));
    assert!(
        plot.caption.contains("0.1 stored as 0.1015625"),
        "{}",
        plot.caption
    );
}

#[test]
fn number_line_names_the_specials_of_small_formats() {
    let check = |name: &str, line: &str| {
        let f = NamedFormat::from(fmt(name));
        let all = texts(&check_frame(&number_line::number_line(&number_input(
            &f, None,
        ))));
        assert!(all.contains(&line.to_string()), "{name}: {all:?}");
    };
    check(
        "e5m2",
        "247 finite values · NaN: 6 codes · ±Inf: 0x7c, 0xfc · −0 exists",
    );
    check("e4m3fnuz", "255 finite values · NaN: 0x80 · no Inf · no −0");
    check("e2m1fn", "15 finite values · no NaN · no Inf · −0 exists");
    check("int4", "16 finite values · no NaN · no Inf · no −0");
    check("e8m0fnu", "255 finite values · NaN: 0xff · no Inf · no −0");
    // e8m0fnu has no zero: the only "0" is the linear axis's tick label, none names a value.
    let e8 = NamedFormat::from(fmt("e8m0fnu"));
    let all = texts(&check_frame(&number_line::number_line(&number_input(
        &e8, None,
    ))));
    assert_eq!(
        all.iter().filter(|t| *t == "0" || *t == "±0").count(),
        1,
        "{all:?}"
    );
    let e4 = NamedFormat::from(fmt("e4m3fn"));
    let all = texts(&check_frame(&number_line::number_line(&number_input(
        &e4, None,
    ))));
    assert_eq!(
        all.iter().filter(|t| *t == "±0").count(),
        2,
        "named on both panels: {all:?}"
    );
    // e2m1fn on the symlog axis: 0.5 is subnormal (linear part), 1.5 sits at 1 + log2(1.5).
    let f = NamedFormat::from(fmt("e2m1fn"));
    let nodes = check_frame(&number_line::number_line(&number_input(&f, None)));
    let (_, sym) = number_line::axes(&f.format);
    let sub = moves(
        one(
            &nodes,
            "path",
            &[("data-panel", "symlog"), ("data-series", "subnormal")],
        )
        .attr("d")
        .unwrap(),
    );
    assert_eq!(sub, vec![sym.map(-0.5), sym.map(0.5)]);
    let normal = moves(
        one(
            &nodes,
            "path",
            &[("data-panel", "symlog"), ("data-series", "normal")],
        )
        .attr("d")
        .unwrap(),
    );
    assert!(
        normal.contains(&sym.map(1.0 + 1.5f64.log2()))
            && normal.contains(&sym.map(1.0 + 6f64.log2()))
    );
}

#[test]
fn density_counts_values_exactly() {
    let fp16 = fmt("fp16");
    // Symlog: zero and the 1023 subnormals, then 1024 values in each of the 30 binades.
    let bins = density(&fp16, 48, Spacing::Symlog).unwrap();
    assert_eq!(bins.len(), 31);
    assert!(bins.iter().all(|b| b.count == 1024), "{bins:?}");
    assert_eq!(
        (
            bins[0].from,
            bins[0].to,
            bins[1].to,
            bins[30].from,
            bins[30].to
        ),
        (0.0, 2f64.powi(-14), 2f64.powi(-13), 32768.0, 65504.0)
    );
    // Linear: every non-negative finite value once, the first interval holding most of them.
    let linear = density(&fp16, 48, Spacing::Linear).unwrap();
    assert_eq!(linear.iter().map(|b| b.count).sum::<u64>(), 0x7c00);
    // [0, 65504/48 = 1364.67): everything below 1024 (zero and the subnormals, then the 24 binades
    // 2^-14 .. 2^10, 1024 values each) plus 1024..1364 in steps of 1 (341 values).
    assert_eq!(linear[0].count, 25 * 1024 + 341);
    assert_eq!(
        linear[47].count,
        (65504 - 64160) / 32 + 1,
        "[64170.1, 65504] in steps of 32"
    );
    // bf16: 254 binades in groups of 6 (47 groups at most), 128 values per binade.
    let bf16 = density(&fmt("bf16"), 48, Spacing::Symlog).unwrap();
    assert_eq!(bf16.iter().map(|b| b.count).sum::<u64>(), 0x7f80);
    assert_eq!(
        (bf16[0].count, bf16[1].count, bf16[1].to),
        (128, 6 * 128, 2f64.powi(-120))
    );
    assert_eq!(
        density(&fmt("int16"), 48, Spacing::Linear)
            .unwrap()
            .iter()
            .map(|b| b.count)
            .sum::<u64>(),
        32768
    );
    assert_eq!(
        density(&fmt("fp32"), 48, Spacing::Linear)
            .unwrap()
            .iter()
            .map(|b| b.count)
            .sum::<u64>(),
        0x7f80_0000
    );
    assert!(density(&fmt("nf4"), 48, Spacing::Linear).is_none());
}

#[test]
fn number_line_draws_density_for_16_bit_formats() {
    let f = NamedFormat::from(fmt("fp16"));
    let plot = number_line::number_line(&number_input(&f, Some(1000.0)));
    let nodes = check_frame(&plot);
    for (panel, spacing) in [("linear", Spacing::Linear), ("symlog", Spacing::Symlog)] {
        let path = one(
            &nodes,
            "path",
            &[("data-panel", panel), ("data-series", "density")],
        );
        let counts: Vec<u64> = density(&f.format, 48, spacing)
            .unwrap()
            .iter()
            .map(|b| b.count)
            .collect();
        let shown: Vec<u64> = path
            .attr("data-counts")
            .unwrap()
            .split(',')
            .map(|c| c.parse().unwrap())
            .collect();
        assert_eq!(shown, counts, "{panel}");
    }
    let (linear, _) = number_line::axes(&f.format);
    assert_eq!(
        one(
            &nodes,
            "polygon",
            &[("data-panel", "linear"), ("data-marker", "stored")]
        )
        .int("data-x"),
        linear.map(1000.0)
    );
    assert!(texts(&nodes)
        .contains(&"63488 finite values; each bar counts those ≥ 0 in its interval".to_string()));
}

// ---------------------------------------------------------------------------------------------
// Plot 4: quantization.

use precision_lab::plot::quantize::{
    self, analyze, log2_histogram, samples, Distribution, QuantizeInput,
};

#[test]
fn quantization_counts_hand_worked_values() {
    let fp16 = fmt("fp16");
    let ne = Rounding::NearestEven;
    // 2^-25 is the tie between 0 and 2^-24 (even: 0); 2^-20 = 16 x 2^-24 is subnormal; 2049 is the
    // tie between 2048 and 2050 (even: 2048).
    let q = analyze(
        &[2f64.powi(-25), 2f64.powi(-20), 0.0, 3.0, 2049.0, f64::NAN],
        &fp16,
        1.0,
        ne,
        Overflow::Default,
    );
    assert_eq!(
        (
            q.count,
            q.skipped,
            q.zeros,
            q.underflowed,
            q.subnormal,
            q.normal,
            q.overflowed
        ),
        (5, 1, 1, 1, 1, 2, 0)
    );
    assert_eq!(q.noise_power, 1.0 + 2f64.powi(-50));
    assert_eq!(q.share(q.underflowed), 0.2);
    // [3, 2049]: signal 9 + 2049^2 = 4198410, noise 1.
    let q = analyze(&[3.0, 2049.0], &fp16, 1.0, ne, Overflow::Default);
    assert_eq!((q.signal_power, q.noise_power), (4198410.0, 1.0));
    assert!((q.sqnr_db.unwrap() - 10.0 * 4198410f64.log10()).abs() < 1e-9);
    assert!((q.sqnr_db.unwrap() - 66.2309).abs() < 1e-4);
    // Scaled by 2^-30: 3 x 2^-30 is below half the smallest subnormal (flushes, error 3), and 2049 x
    // 2^-30 = 32.015625 x 2^-24 rounds to the subnormal 32 x 2^-24 (error 1 after unscaling).
    let q = analyze(&[3.0, 2049.0], &fp16, 2f64.powi(-30), ne, Overflow::Default);
    assert_eq!(
        (q.underflowed, q.subnormal, q.normal, q.noise_power),
        (1, 1, 0, 10.0)
    );
    assert!((q.sqnr_db.unwrap() - 10.0 * 419841f64.log10()).abs() < 1e-9);
    // Scaled by 32: 2049 x 32 = 65568 rounds past 65504 to Inf (SQNR -inf), or saturates to 65504
    // (2047 after unscaling, error 2).
    let q = analyze(&[3.0, 2049.0], &fp16, 32.0, ne, Overflow::Default);
    assert_eq!((q.overflowed, q.sqnr_db), (1, Some(f64::NEG_INFINITY)));
    let q = analyze(&[3.0, 2049.0], &fp16, 32.0, ne, Overflow::Saturate);
    assert_eq!((q.overflowed, q.noise_power), (1, 4.0));
    assert!((q.sqnr_db.unwrap() - 10.0 * (4198410f64 / 4.0).log10()).abs() < 1e-9);
    // Exact values: infinite SQNR; nothing nonzero: none.
    assert_eq!(
        analyze(&[1.0, 0.5], &fp16, 1.0, ne, Overflow::Default).sqnr_db,
        Some(f64::INFINITY)
    );
    assert_eq!(
        analyze(&[0.0], &fp16, 1.0, ne, Overflow::Default).sqnr_db,
        None
    );
    // e4m3fn overflow is NaN: -inf too.
    assert_eq!(
        analyze(&[500.0], &fmt("e4m3fn"), 1.0, ne, Overflow::Default).sqnr_db,
        Some(f64::NEG_INFINITY)
    );
    assert_eq!(
        quantize::sqnr_text(Some(f64::NEG_INFINITY)),
        "−∞ dB (a value became Inf or NaN)"
    );
    assert_eq!(quantize::sqnr_text(Some(-3.25)), "−3.2 dB");
}

#[test]
fn samples_are_seeded_and_shaped() {
    let normal = Distribution::Normal { sigma: 2.0 };
    let a = samples(&normal, 4000, 7);
    assert_eq!(a, samples(&normal, 4000, 7));
    assert_ne!(a, samples(&normal, 4000, 8));
    let mean = a.iter().sum::<f64>() / 4000.0;
    let sd = (a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 4000.0).sqrt();
    assert!(mean.abs() < 0.15 && (sd - 2.0).abs() < 0.15, "{mean} {sd}");
    let log = samples(
        &Distribution::LogNormal {
            median_log2: -20.0,
            sigma_log2: 3.0,
        },
        4000,
        1,
    );
    let mut exps: Vec<f64> = log.iter().map(|x| x.abs().log2()).collect();
    exps.sort_by(f64::total_cmp);
    assert!((exps[2000] + 20.0).abs() < 0.3, "median {}", exps[2000]);
    assert!(log.iter().any(|x| *x < 0.0) && log.iter().any(|x| *x > 0.0));
    let uniform = samples(
        &Distribution::Uniform {
            low: -1.0,
            high: 3.0,
        },
        1000,
        1,
    );
    assert!(uniform.iter().all(|x| (-1.0..3.0).contains(x)));
    assert_eq!(
        samples(&Distribution::Values(vec![1.0, 2.5]), 99, 1),
        vec![1.0, 2.5]
    );
    assert_eq!(
        log2_histogram(&[1.0, 1.5, -3.0, 0.0, 0.25]),
        vec![(-2, 1), (0, 2), (1, 1)]
    );
}

#[test]
fn quantize_plot_shows_histogram_shares_and_sqnr() {
    let f = NamedFormat::from(fmt("fp16"));
    let dist = Distribution::Values(vec![2f64.powi(-25), 2f64.powi(-20), 0.0, 3.0, 2049.0]);
    let input = QuantizeInput {
        format: &f,
        distribution: &dist,
        scale: 1.0,
        samples: 0,
        seed: 1,
        rounding: Rounding::NearestEven,
        overflow: Overflow::Default,
        theme: Theme::Dark,
    };
    let plot = quantize::quantize(&input);
    let nodes = check_frame(&plot);
    let hist = one(&nodes, "path", &[("data-series", "histogram")]);
    assert_eq!(hist.attr("data-bins"), Some("-25:1,-20:1,1:1,11:1"));
    let (x, _) = quantize::axes(&input);
    // fp16's window: 2^-26 .. 2^18 (two binades beyond 2^-24 and 65504).
    assert_eq!((x.lo, x.hi), (-26.0, 18.0));
    let sub = one(&nodes, "rect", &[("data-region", "subnormal")]);
    assert_pixel(&x, -24.0, sub.int("x"));
    assert_pixel(&x, -14.0, sub.int("x") + sub.int("width"));
    let all = texts(&nodes);
    assert!(
        all.contains(&"→ 0: 20.0% · subnormal: 20.0% · overflow: 0%".to_string()),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|t| t.starts_with("SQNR: ") && t.ends_with(" dB · exact zeros in the input: 1")),
        "{all:?}"
    );
    assert!(plot.caption.contains("stored in fp16"));
    // The scale slides the histogram: times 2^10, 2^-25 becomes the subnormal 2^-15, 2^-20 becomes
    // normal, and 2049 overflows to Inf.
    let scaled = QuantizeInput {
        scale: 1024.0,
        ..input.clone()
    };
    let all = texts(&check_frame(&quantize::quantize(&scaled)));
    assert!(
        all.contains(&"→ 0: 0% · subnormal: 20.0% · overflow: 20.0%".to_string()),
        "{all:?}"
    );
    assert!(all.contains(
        &"SQNR: −∞ dB (a value became Inf or NaN) · exact zeros in the input: 1".to_string()
    ));
}

// ---------------------------------------------------------------------------------------------
// Plot 5: rounding error.

use precision_lab::plot::rounding::{self as rounding_plot, pieces, window, Piece, RoundingInput};

#[test]
fn rounding_windows_cover_one_binade() {
    assert_eq!(window(&fmt("e2m1fn"), 5.0), vec![4.0, 6.0]);
    assert_eq!(
        window(&fmt("e4m3fn"), 1.3),
        (0..=8).map(|k| 1.0 + k as f64 / 8.0).collect::<Vec<_>>()
    );
    assert_eq!(
        window(&fmt("e4m3fn"), -1.3),
        (0..=8)
            .rev()
            .map(|k| -1.0 - k as f64 / 8.0)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        window(&fmt("e4m3fn"), 300.0),
        vec![256.0, 288.0, 320.0, 352.0, 384.0, 416.0, 448.0]
    );
    assert_eq!(
        window(&fmt("e4m3fn"), 0.01),
        (0..=8)
            .map(|k| k as f64 * 2f64.powi(-9))
            .collect::<Vec<_>>()
    );
    // fp16 has 1024 values per binade: 16 gaps around x.
    let w = window(&fmt("fp16"), 1.3);
    assert_eq!(w.len(), 17);
    assert!(w[0] <= 1.3 && 1.3 <= w[16] && w[1] - w[0] == 2f64.powi(-10));
    assert_eq!(w[8], 1331.0 / 1024.0, "x sits in the middle gap");
    let w = window(&fmt("fp32"), 1e30);
    assert_eq!(w.len(), 17);
    assert!(w[0] <= 1e30 && 1e30 <= w[16]);
    // At the bottom of the binade the window starts at the power of two.
    assert_eq!(window(&fmt("fp16"), 1.0)[0], 1.0);
}

#[test]
fn rounding_pieces_come_from_the_engine() {
    let e2m1 = fmt("e2m1fn");
    let p = |r| pieces(&e2m1, &[4.0, 6.0], r, Overflow::Default).unwrap()[0];
    // 5 is halfway between 4 (mantissa 0) and 6 (mantissa 1): even keeps 4, away takes 6.
    assert_eq!(
        p(Rounding::NearestEven),
        Piece {
            from: 4.0,
            to: 6.0,
            below: 4.0,
            switch: Some(5.0),
            above: 6.0,
            tie: Some(4.0)
        }
    );
    assert_eq!(p(Rounding::NearestAway).tie, Some(6.0));
    assert_eq!(
        p(Rounding::TowardZero),
        Piece {
            from: 4.0,
            to: 6.0,
            below: 4.0,
            switch: None,
            above: 4.0,
            tie: None
        }
    );
    assert_eq!(p(Rounding::TowardPositive).below, 6.0);
    let e4m3 = fmt("e4m3fn");
    let ties: Vec<f64> = pieces(
        &e4m3,
        &window(&e4m3, 1.3),
        Rounding::NearestEven,
        Overflow::Default,
    )
    .unwrap()
    .iter()
    .map(|p| p.tie.unwrap())
    .collect();
    assert_eq!(ties, [1.0, 1.25, 1.25, 1.5, 1.5, 1.75, 1.75, 2.0]);
    assert!(pieces(
        &e4m3,
        &[1.0, 1.125],
        Rounding::Stochastic { seed: 1 },
        Overflow::Default
    )
    .is_none());
}

#[test]
fn rounding_plot_draws_staircase_error_and_ties() {
    let f = NamedFormat::from(fmt("e4m3fn"));
    let input = RoundingInput {
        format: &f,
        value: Some(1.3),
        rounding: Rounding::NearestEven,
        overflow: Overflow::Default,
        theme: Theme::Light,
    };
    let plot = rounding_plot::rounding_error(&input);
    let nodes = check_frame(&plot);
    let ((x1, y1), (x2, y2)) = rounding_plot::axes(&input);
    let points = |series: &str| -> Vec<(i32, i32)> {
        one(&nodes, "polyline", &[("data-series", series)])
            .attr("points")
            .unwrap()
            .split(' ')
            .map(|p| {
                let (a, b) = p.split_once(',').unwrap();
                (a.parse().unwrap(), b.parse().unwrap())
            })
            .collect()
    };
    let stored = points("stored");
    assert_eq!(stored[0], (x1.map(1.0), y1.map(1.0)));
    assert_eq!(stored[1], (x1.map(1.0625), y1.map(1.0)));
    assert_eq!(stored[2], (x1.map(1.0625), y1.map(1.125)));
    assert_eq!(stored.last(), Some(&(x1.map(2.0), y1.map(2.0))));
    let error = points("error");
    // Error: 0 at 1, -1/16 just below the first midpoint, +1/16 just above it.
    assert_eq!(error[0], (x2.map(1.0), y2.map(0.0)));
    assert_eq!(error[1], (x2.map(1.0625), y2.map(-0.0625)));
    assert_eq!(error[2], (x2.map(1.0625), y2.map(0.0625)));
    assert_eq!(
        moves(
            one(&nodes, "path", &[("data-series", "ties")])
                .attr("d")
                .unwrap()
        )
        .len(),
        8
    );
    let lines = find(&nodes, "line", &[("data-marker", "value")]);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].int("x1"), x1.map(1.3));
    let all = texts(&nodes);
    assert!(
        all.contains(&"gap between neighbours here: 0.125".to_string()),
        "{all:?}"
    );
    assert!(
        all.contains(&"+½ ulp".to_string()) && all.contains(&"−1 ulp".to_string()),
        "{all:?}"
    );
    assert!(
        plot.caption
            .starts_with("round to nearest, ties to even in e4m3fn for x from 1 to 2"),
        "{}",
        plot.caption
    );
    // Stochastic rounding: sampled points instead of a staircase, the same for the same seed.
    let stochastic = RoundingInput {
        rounding: Rounding::Stochastic { seed: 9 },
        ..input.clone()
    };
    let a = rounding_plot::rounding_error(&stochastic);
    assert_eq!(a, rounding_plot::rounding_error(&stochastic));
    let nodes = check_frame(&a);
    assert_eq!(
        moves(
            one(&nodes, "path", &[("data-series", "stored")])
                .attr("d")
                .unwrap()
        )
        .len(),
        160
    );
}

// ---------------------------------------------------------------------------------------------
// Trainer plots.

use precision_lab::plot::train::{
    self as train_plot, thin, DecisionInput, GradientInput, RunSeries, RunsInput,
};
use precision_lab::train::{
    DataConfig, DatasetKind, DecisionGrid, Log2Histogram, Precision, StepSummary,
};

fn summary(step: u64, loss: f32, scale: f32, skipped: bool) -> StepSummary {
    StepSummary {
        step,
        loss,
        accuracy: None,
        loss_scale: scale,
        skipped,
        updates_lost: 0.0,
        flushed: 0.0,
    }
}

#[test]
fn thinning_keeps_spikes() {
    let mut points: Vec<(u64, f64)> = (0..1000).map(|i| (i, 1.0)).collect();
    points[500].1 = 100.0;
    points[700].1 = 0.01;
    let thinned = thin(&points, 100);
    assert!(thinned.len() <= 100);
    assert!(thinned.contains(&(500, 100.0)) && thinned.contains(&(700, 0.01)));
    assert!(thinned.windows(2).all(|w| w[0].0 < w[1].0), "in step order");
    assert_eq!(thin(&points[..50], 100), points[..50].to_vec());
}

#[test]
fn loss_curves_follow_each_run_and_mark_divergence() {
    let good: Vec<StepSummary> = (0..600)
        .map(|i| summary(i, 1.0 / (1.0 + i as f32), 1.0, false))
        .collect();
    let mut bad: Vec<StepSummary> = (0..300).map(|i| summary(i, 0.5, 1.0, false)).collect();
    bad[250].loss = f32::NAN;
    let runs = [
        RunSeries {
            label: "fp32",
            history: &good,
            look: precision_lab::plot::recipe_look("fp32"),
        },
        RunSeries {
            label: "fp16 <pure>",
            history: &bad,
            look: precision_lab::plot::recipe_look("fp16-pure"),
        },
    ];
    let input = RunsInput {
        runs: &runs,
        theme: Theme::Light,
    };
    let plot = train_plot::loss_curves(&input);
    let nodes = check_frame(&plot);
    let (x, y) = train_plot::loss_axes(&input);
    // Losses from 1/600 to 1: decades 10^-3 .. 10^0.
    assert_eq!((x.lo, x.hi, y.lo, y.hi), (0.0, 599.0, -3.0, 0.0));
    let curve = one(
        &nodes,
        "polyline",
        &[("data-run", "fp32"), ("data-series", "loss")],
    );
    let pts: Vec<&str> = curve.attr("points").unwrap().split(' ').collect();
    assert!(pts.len() <= 300);
    assert_eq!(pts[0], format!("{},{}", x.map(0.0), y.map(0.0)));
    let raw = one(
        &nodes,
        "polyline",
        &[("data-run", "fp32"), ("data-series", "loss-raw")],
    );
    assert_eq!(
        raw.attr("opacity"),
        Some("0.25"),
        "each batch's loss is drawn faint"
    );
    let cross = one(
        &nodes,
        "path",
        &[("data-run", "fp16 <pure>"), ("data-marker", "diverged")],
    );
    assert_eq!(cross.attr("data-step"), Some("250"));
    assert!(texts(&nodes).contains(&"0.001".to_string()));
    assert!(!plot.svg.contains("<pure>"));
}

#[test]
fn loss_scale_steps_and_skips() {
    // GradScaler-like: 2^16, overflow at step 3 (skipped, halves), growth back at step 8.
    let history: Vec<StepSummary> = (0..12)
        .map(|i| {
            let scale = if i <= 3 {
                65536.0
            } else if i < 8 {
                32768.0
            } else {
                65536.0
            };
            summary(i, 1.0, scale, i == 3)
        })
        .collect();
    let runs = [RunSeries {
        label: "fp16-amp",
        history: &history,
        look: precision_lab::plot::recipe_look("fp16-amp"),
    }];
    let input = RunsInput {
        runs: &runs,
        theme: Theme::Dark,
    };
    let plot = train_plot::loss_scale(&input);
    let nodes = check_frame(&plot);
    let (x, y) = train_plot::scale_axes(&input);
    assert_eq!((y.lo, y.hi), (14.0, 17.0));
    let line = one(&nodes, "polyline", &[("data-series", "loss-scale")])
        .attr("points")
        .unwrap()
        .to_string();
    let expected = [
        (0.0, 16.0),
        (4.0, 16.0),
        (4.0, 15.0),
        (8.0, 15.0),
        (8.0, 16.0),
        (11.0, 16.0),
    ]
    .iter()
    .map(|(s, l)| format!("{},{}", x.map(*s), y.map(*l)))
    .collect::<Vec<_>>()
    .join(" ");
    assert_eq!(line, expected);
    let skips = one(&nodes, "path", &[("data-series", "skipped")]);
    assert_eq!(skips.attr("data-count"), Some("1"));
    assert_eq!(moves(skips.attr("d").unwrap()), vec![x.map(3.0) - 3]);
    assert!(plot.caption.ends_with("fp16-amp 1."), "{}", plot.caption);
}

#[test]
fn gradient_histogram_regions_for_fp16_and_e4m3() {
    let mut h = Log2Histogram::new();
    for v in [1e-9f32, 1e-6, 1e-3, 0.5, 0.0, 3e-13] {
        h.add(v);
    }
    for (precision, sub, normal, max) in [
        (Precision::F16, -24.0, -14.0, 65504f64.log2()),
        (Precision::E4m3, -9.0, -6.0, 448f64.log2()),
    ] {
        let input = GradientInput {
            histogram: &h,
            precision,
            label: "all gradients",
            theme: Theme::Light,
        };
        let nodes = check_frame(&train_plot::gradient_histogram(&input));
        let (x, _) = train_plot::gradient_axes(&input);
        for (region, from, to) in [
            ("underflow", -40.0, sub),
            ("subnormal", sub, normal),
            ("normal", normal, max),
            ("overflow", max, 20.0),
        ] {
            let rect = one(&nodes, "rect", &[("data-region", region)]);
            assert_pixel(&x, from, rect.int("x"));
            assert_pixel(&x, to, rect.int("x") + rect.int("width"));
        }
        let bars = moves(
            one(&nodes, "path", &[("data-series", "histogram")])
                .attr("d")
                .unwrap(),
        );
        // 3e-13 is in [2^-42, 2^-41): below the first bin; the other five nonzero values have bins.
        assert_eq!(bars, [-30.0, -20.0, -10.0, -1.0].map(|e| x.map(e)));
        assert!(texts(&nodes)
            .contains(&"zero 16.7% · below 2⁻⁴⁰ 16.7% · above 2²⁰ 0% · Inf/NaN 0%".to_string()));
    }
    // fp32's window covers the whole histogram: all normal.
    let regions = train_plot::precision_regions(Precision::F32);
    assert_eq!(regions, vec![("normal", -40.0, 20.0)]);
}

#[test]
fn decision_heat_map_merges_cells_and_draws_points() {
    let data = DataConfig {
        kind: DatasetKind::Xor,
        points: 200,
        noise: 0.0,
        seed: 3,
    }
    .generate();
    let (x_range, y_range) = data.bounds();
    let grid = DecisionGrid {
        resolution: 4,
        x_range,
        y_range,
        // Bottom row all class 0, then a boundary, top row all class 1.
        probabilities: vec![
            0.01, 0.02, 0.03, 0.04, //
            0.1, 0.2, 0.8, 0.9, //
            0.5, 0.55, 0.95, 0.99, //
            0.99, 0.98, 0.97, 0.96,
        ],
    };
    let input = DecisionInput {
        grid: &grid,
        data: Some(&data),
        label: "bf16",
        theme: Theme::Light,
    };
    let plot = train_plot::decision_boundary(&input);
    let nodes = check_frame(&plot);
    let levels: Vec<&str> = find(&nodes, "rect", &[("data-series", "probability")])
        .iter()
        .map(|n| n.attr("data-level").unwrap())
        .collect();
    assert_eq!(levels, ["0", "1", "2", "8", "9", "5", "9", "9"]);
    let (x, y) = train_plot::decision_axes(&input);
    let first = one(&nodes, "rect", &[("data-level", "0")]);
    // The bottom row: from the left edge, up to a quarter of the height.
    let quarter = f64::from(y_range[0]) + (f64::from(y_range[1]) - f64::from(y_range[0])) / 4.0;
    assert_eq!(
        (first.int("x"), first.int("y")),
        (x.map(f64::from(x_range[0])), y.map(quarter))
    );
    let drawn: usize = ["class-0", "class-1"]
        .iter()
        .map(|c| {
            moves(
                one(&nodes, "path", &[("data-series", c)])
                    .attr("d")
                    .unwrap(),
            )
            .len()
        })
        .sum();
    assert_eq!(drawn, 200, "every point lies in the grid's box");
    assert!(plot.size.0 <= 180);
}

/// Every pinned plot (`tests/common/golden_plots.rs`: every kind, both themes), drawn twice from
/// the same input, gives the same bytes; and each fits a phone.
#[test]
fn every_plot_is_deterministic() {
    for ((name, a), (_, b)) in golden_plots::plots().into_iter().zip(golden_plots::plots()) {
        assert_eq!(a, b, "{name}");
        check_frame(&a);
        // A modest number of elements keeps a redraw cheap.
        let elements = a.svg.matches('<').count();
        assert!(elements < 400, "{name}: {elements} elements");
        dump(name, &a);
    }
}

#[test]
fn values_are_shown_exactly_or_marked_approximate() {
    use precision_lab::plot::svg::{input_text, pow2_label, value_text};
    let check = |x: f64, text: &str| assert_eq!(value_text(x), text, "{x}");
    check(65504.0, "65504");
    check(0.0999755859375, "0.0999755859375");
    check(2f64.powi(-14), "0.00006103515625");
    check(2f64.powi(-24), "2⁻²⁴");
    check(-2f64.powi(-133), "−2⁻¹³³");
    check(0.1f32 as f64, "≈0.100000001");
    check(3.3895313892515355e38, "≈3.38953139e38");
    check(f64::INFINITY, "+Inf");
    check(-0.0, "−0");
    check(-448.0, "−448");
    assert_eq!(input_text(0.1), "0.1");
    assert_eq!(input_text(1e-30), "1e-30");
    assert_eq!(pow2_label(-126), "2⁻¹²⁶");
}

/// No format of the catalogue and no value the editor can hold makes a plot fail or panic (a panic
/// in wasm kills the page), and every result is well-formed.
#[test]
fn every_format_and_awkward_value_draws() {
    use precision_lab::formats::catalogue;
    let values = [
        0.0,
        -0.0,
        1.0,
        -2.5,
        1e-300,
        1e300,
        f64::NAN,
        f64::INFINITY,
        -f64::INFINITY,
        3e-8,
    ];
    let modes = [
        Rounding::NearestEven,
        Rounding::TowardNegative,
        Rounding::Stochastic { seed: 4 },
    ];
    for entry in catalogue() {
        let f = NamedFormat::from(entry.format());
        let one_format = [f.clone()];
        for (i, &v) in values.iter().enumerate() {
            let rounding = modes[i % modes.len()];
            let overflow = if i % 2 == 0 {
                Overflow::Default
            } else {
                Overflow::Saturate
            };
            let theme = if i % 2 == 0 {
                Theme::Light
            } else {
                Theme::Dark
            };
            let plots = [
                range::dynamic_range(&RangeInput {
                    formats: &one_format,
                    value: Some(v),
                    rounding,
                    overflow,
                    theme,
                }),
                precision::precision(&PrecisionInput {
                    formats: &one_format,
                    value: Some(v),
                    theme,
                }),
                number_line::number_line(&NumberLineInput {
                    format: &f,
                    value: Some(v),
                    rounding,
                    overflow,
                    theme,
                }),
                rounding_plot::rounding_error(&RoundingInput {
                    format: &f,
                    value: Some(v),
                    rounding,
                    overflow,
                    theme,
                }),
            ];
            for plot in &plots {
                check_frame(plot);
            }
        }
        let dist = Distribution::Values(values.to_vec());
        let q = quantize::quantize(&QuantizeInput {
            format: &f,
            distribution: &dist,
            scale: 3.0,
            samples: 0,
            seed: 0,
            rounding: Rounding::NearestEven,
            overflow: Overflow::Default,
            theme: Theme::Light,
        });
        check_frame(&q);
    }
}

/// Empty, non-finite and degenerate trainer inputs draw a frame instead of failing.
#[test]
fn trainer_plots_survive_degenerate_input() {
    let nan_run: Vec<StepSummary> = (0..5)
        .map(|i| summary(i, f32::NAN, f32::INFINITY, true))
        .collect();
    let zero_run = vec![summary(0, 0.0, 0.0, false)];
    let empty: Vec<StepSummary> = Vec::new();
    let runs = [
        RunSeries {
            label: "nan",
            history: &nan_run,
            look: precision_lab::plot::recipe_look("fp16-pure"),
        },
        RunSeries {
            label: "zero",
            history: &zero_run,
            look: precision_lab::plot::recipe_look("fp32"),
        },
        RunSeries {
            label: "empty",
            history: &empty,
            look: precision_lab::plot::recipe_look("fp32"),
        },
    ];
    for theme in [Theme::Light, Theme::Dark] {
        check_frame(&train_plot::loss_curves(&RunsInput { runs: &runs, theme }));
        check_frame(&train_plot::loss_scale(&RunsInput { runs: &runs, theme }));
        check_frame(&train_plot::loss_curves(&RunsInput { runs: &[], theme }));
    }
    let h = Log2Histogram::new();
    check_frame(&train_plot::gradient_histogram(&GradientInput {
        histogram: &h,
        precision: Precision::Bf16,
        label: "",
        theme: Theme::Dark,
    }));
    for resolution in [0, 1, 3] {
        let grid = DecisionGrid {
            resolution,
            x_range: [0.0, 0.0],
            y_range: [f32::NAN, 1.0],
            probabilities: vec![f32::NAN; resolution * resolution],
        };
        check_frame(&train_plot::decision_boundary(&DecisionInput {
            grid: &grid,
            data: None,
            label: "x",
            theme: Theme::Light,
        }));
    }
}

/// Every format and every recipe has one look, the same in every plot: fp32's curve is the same
/// colour whether it is compared first or last, no two catalogue formats (or recipes) look alike,
/// and the page's CSS names the same hues as the plots' palette.
#[test]
fn formats_and_recipes_keep_one_look_everywhere() {
    use precision_lab::formats::catalogue;
    use precision_lab::plot::series::{FORMAT_LOOKS, RECIPE_LOOKS};
    use precision_lab::plot::{
        format_look, precision as precision_plot, Hue, NamedFormat, Palette,
    };
    use std::collections::HashSet;
    // One look per catalogue format, all different; recipes likewise.
    let names: Vec<&str> = catalogue().iter().map(|e| e.name).collect();
    let looked: Vec<&str> = FORMAT_LOOKS.iter().map(|(n, _)| *n).collect();
    assert_eq!(looked, names, "every catalogue format, in catalogue order");
    assert_eq!(
        FORMAT_LOOKS
            .iter()
            .map(|(_, l)| *l)
            .collect::<HashSet<_>>()
            .len(),
        FORMAT_LOOKS.len()
    );
    assert_eq!(
        RECIPE_LOOKS
            .iter()
            .map(|(_, l)| *l)
            .collect::<HashSet<_>>()
            .len(),
        RECIPE_LOOKS.len()
    );
    for policy in precision_lab::train::Policy::menu() {
        assert!(
            RECIPE_LOOKS.iter().any(|(n, _)| *n == policy.name()),
            "{}",
            policy.name()
        );
    }
    // fp32 in the precision plot: the same stroke first and last.
    let fmt = |n: &str| NamedFormat::from(n.parse::<Format>().unwrap());
    let stroke = |formats: &[NamedFormat]| -> String {
        let plot = precision_plot::precision(&precision_plot::PrecisionInput {
            formats,
            value: None,
            theme: Theme::Light,
        });
        let nodes = parse(&plot.svg);
        one(&nodes, "polyline", &[("data-format", "fp32")])
            .attr("stroke")
            .unwrap()
            .to_string()
    };
    let first = stroke(&[fmt("fp32"), fmt("fp16"), fmt("bf16")]);
    let last = stroke(&[fmt("e4m3fn"), fmt("fp16"), fmt("bf16"), fmt("fp32")]);
    assert_eq!(first, last);
    assert_eq!(
        first,
        Theme::Light.palette().hue(format_look("fp32").hue).hex()
    );
    // The hues keep 3:1 contrast with the background in both themes, and base.css names them.
    let css = include_str!("../../style/base.css");
    for theme in [Theme::Light, Theme::Dark] {
        let p: Palette = theme.palette();
        for hue in Hue::ALL {
            let colour = p.hue(hue);
            assert!(colour.contrast(p.background) >= 3.0, "{theme:?} {hue:?}");
            let declaration = format!("--hue-{}: {};", hue.name(), colour.hex());
            assert!(css.contains(&declaration), "base.css lacks {declaration}");
        }
    }
}

/// The loss chart draws a smoothed trend over the faint raw loss, with decade labels that fit.
#[test]
fn the_loss_chart_smooths_and_labels_small_decades_compactly() {
    use precision_lab::plot::train::smoothed;
    let flat: Vec<(u64, f64)> = (0..50).map(|s| (s, 2.0)).collect();
    assert!(
        smoothed(&flat).iter().all(|(_, v)| (v - 2.0).abs() < 1e-12),
        "a constant stays itself (debiased)"
    );
    let noisy: Vec<(u64, f64)> = (0..400)
        .map(|s| (s, if s % 2 == 0 { 1.0 } else { 3.0 }))
        .collect();
    let trend = smoothed(&noisy);
    assert_eq!(trend[0].1, 1.0, "the first point is the first loss");
    let tail = &trend[300..];
    assert!(
        tail.iter().all(|(_, v)| (v - 2.0).abs() < 0.1),
        "the alternating noise averages out"
    );
    // Losses down to 1e-6: the lowest label is "1e-6", not a clipped "0.000001".
    let history: Vec<StepSummary> = (0..100)
        .map(|s| summary(s, 10f32.powf(-6.0 * s as f32 / 99.0), 1.0, false))
        .collect();
    let runs = [RunSeries {
        label: "fp32",
        history: &history,
        look: precision_lab::plot::recipe_look("fp32"),
    }];
    let plot = train_plot::loss_curves(&RunsInput {
        runs: &runs,
        theme: Theme::Light,
    });
    let labels = texts(&parse(&plot.svg));
    assert!(labels.contains(&"1e-6".to_string()), "{labels:?}");
    assert!(
        !labels.iter().any(|l| l.starts_with("0.0000")),
        "{labels:?}"
    );
}

/// Thousands of skipped steps are a few dozen crosses, not a solid band, and the count is kept.
#[test]
fn skipped_step_crosses_are_thinned() {
    let history: Vec<StepSummary> = (0..3000)
        .map(|s| summary(s, 0.5, 65536.0, s % 2 == 0))
        .collect();
    let runs = [RunSeries {
        label: "fp16-amp",
        history: &history,
        look: precision_lab::plot::recipe_look("fp16-amp"),
    }];
    let plot = train_plot::loss_scale(&RunsInput {
        runs: &runs,
        theme: Theme::Light,
    });
    let nodes = parse(&plot.svg);
    let marks = one(&nodes, "path", &[("data-series", "skipped")]);
    assert_eq!(marks.attr("data-count"), Some("1500"));
    let crosses = marks.attr("d").unwrap().matches('M').count();
    assert!((20..=60).contains(&crosses), "{crosses} crosses");
}

#[path = "../common/golden_plots.rs"]
mod golden_plots;

/// The pinned plots draw the same bytes as when they were pinned (the browser build checks the
/// same table: `tests/web/plots.rs`).
#[test]
fn golden_plots_keep_their_bytes() {
    let (wrong, table) = golden_plots::check();
    println!("{table}");
    assert!(wrong.is_empty(), "plots changed:\n{}", wrong.join("\n"));
}
