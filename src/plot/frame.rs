//! The plotters drawing backend every plot's frame is drawn on: plotters still lays out the panel
//! (label areas, tick positions, its pixel mapping), and this backend writes what it draws as
//! compact SVG. Consecutive strokes of one colour and width (the grid lines, or the axis lines and
//! tick marks) become one `<path>`, and the tick labels and axis titles become `<text>` elements
//! in a `<g>` that carries their shared font and colour.
//!
//! It owns how the frame is written, not what it shows: the same lines, at the same pixels, and
//! the same labels at the same anchors as plotters' own SVG backend writes (a test draws a panel
//! with both and compares), in about half the elements, which is what the browser spends its
//! time parsing when a plot is redrawn. Text is escaped here with [`escape`], like every other
//! piece of text in a plot.

use std::convert::Infallible;
use std::fmt::Write as _;

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle, FontTransform,
};

use super::svg::{escape, Rgb, FONT, FONT_FAMILY};

/// What plotters drew, in drawing order, waiting to be written by [`Frame::to_svg`].
#[derive(Default)]
pub(crate) struct Frame {
    shapes: Vec<Shape>,
    texts: Vec<Label>,
}

/// A stroked path (one or more subpaths drawn with one style) or any other element, written out.
enum Shape {
    Stroke { style: Stroke, d: String },
    Element(String),
}

/// How a line is stroked: colour, opacity and width.
#[derive(Clone, Copy, PartialEq)]
struct Stroke {
    colour: (u8, u8, u8),
    alpha: f64,
    width: u32,
}

/// How a label is set: everything but its position, anchor and rotation, so that the labels of a
/// frame can share one `<g>`.
#[derive(Clone, PartialEq)]
struct Font {
    family: String,
    /// Font size, as plotters writes it.
    size: String,
    colour: (u8, u8, u8),
    alpha: f64,
    /// ` font-weight="bold"`, ` font-style="italic"`, or nothing.
    style: String,
}

struct Label {
    font: Font,
    x: i32,
    y: i32,
    anchor: &'static str,
    dy: &'static str,
    transform: Option<String>,
    /// The text, already escaped.
    body: String,
}

impl Frame {
    /// The frame as SVG elements: the shapes in drawing order, then the labels. Labels never
    /// overlap the frame's lines (plotters puts them in the label areas, beside the tick marks),
    /// so drawing them last changes no pixel.
    pub(crate) fn to_svg(&self) -> String {
        let mut out = String::new();
        for shape in &self.shapes {
            match shape {
                Shape::Stroke { style, d } => {
                    let _ = write!(
                        out,
                        "<path d=\"{d}\" fill=\"none\" stroke=\"{}\"",
                        hex(style.colour)
                    );
                    if style.width != 1 {
                        let _ = write!(out, " stroke-width=\"{}\"", style.width);
                    }
                    push_opacity(&mut out, style.alpha);
                    out.push_str("/>\n");
                }
                Shape::Element(element) => out.push_str(element),
            }
        }
        let mut font: Option<&Font> = None;
        for label in &self.texts {
            if font != Some(&label.font) {
                if font.is_some() {
                    out.push_str("</g>\n");
                }
                font = Some(&label.font);
                open_font_group(&mut out, &label.font);
            }
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" dy=\"{}\"",
                label.x, label.y, label.dy
            );
            if label.anchor != "start" {
                let _ = write!(out, " text-anchor=\"{}\"", label.anchor);
            }
            if let Some(transform) = &label.transform {
                let _ = write!(out, " transform=\"{transform}\"");
            }
            let _ = writeln!(out, ">{}</text>", label.body);
        }
        if font.is_some() {
            out.push_str("</g>\n");
        }
        out
    }

    /// Adds a filled or outlined element whose start tag `element` is open: closes it with its
    /// opacity.
    fn element(&mut self, mut element: String, alpha: f64) {
        push_opacity(&mut element, alpha);
        element.push_str("/>\n");
        self.shapes.push(Shape::Element(element));
    }

    /// Adds a stroked polyline, into the previous path when that has the same stroke (labels
    /// in between do not count: they are drawn after every shape).
    fn stroke(&mut self, points: &[BackendCoord], style: Stroke) {
        let Some(((x0, y0), rest)) = points.split_first() else {
            return;
        };
        let continues =
            matches!(self.shapes.last(), Some(Shape::Stroke { style: last, .. }) if *last == style);
        if !continues {
            self.shapes.push(Shape::Stroke {
                style,
                d: String::new(),
            });
        }
        let Some(Shape::Stroke { d, .. }) = self.shapes.last_mut() else {
            unreachable!("the last shape is a stroke of this style");
        };
        // A new subpath for every polyline: joining it to the previous one would add a corner.
        let _ = write!(d, "M{x0} {y0}");
        let (mut x, mut y) = (*x0, *y0);
        for &(nx, ny) in rest {
            let _ = if nx == x {
                write!(d, "V{ny}")
            } else if ny == y {
                write!(d, "H{nx}")
            } else {
                write!(d, "L{nx} {ny}")
            };
            (x, y) = (nx, ny);
        }
    }
}

/// A plotters backend that records into a [`Frame`].
pub(crate) struct FrameBackend<'a> {
    frame: &'a mut Frame,
    size: (u32, u32),
}

impl<'a> FrameBackend<'a> {
    pub(crate) fn new(frame: &'a mut Frame, size: (u32, u32)) -> Self {
        FrameBackend { frame, size }
    }
}

type DrawResult = Result<(), DrawingErrorKind<Infallible>>;

impl DrawingBackend for FrameBackend<'_> {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> DrawResult {
        Ok(())
    }

    fn present(&mut self) -> DrawResult {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> DrawResult {
        if color.alpha > 0.0 {
            let element = format!(
                "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\" fill=\"{}\"",
                point.0,
                point.1,
                hex(color.rgb)
            );
            self.frame.element(element, color.alpha);
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> DrawResult {
        if let Some(stroke) = stroke_of(style) {
            self.frame.stroke(&[from, to], stroke);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> DrawResult {
        if let Some(stroke) = stroke_of(style) {
            let points: Vec<BackendCoord> = path.into_iter().collect();
            self.frame.stroke(&points, stroke);
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> DrawResult {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let mut element = String::from("<rect");
        // 0 is the default of x and y (the background starts there).
        if upper_left.0 != 0 {
            let _ = write!(element, " x=\"{}\"", upper_left.0);
        }
        if upper_left.1 != 0 {
            let _ = write!(element, " y=\"{}\"", upper_left.1);
        }
        let _ = write!(
            element,
            " width=\"{}\" height=\"{}\"",
            bottom_right.0 - upper_left.0,
            bottom_right.1 - upper_left.1
        );
        if fill {
            let _ = write!(element, " fill=\"{}\"", hex(color.rgb));
        } else {
            let _ = write!(element, " fill=\"none\" stroke=\"{}\"", hex(color.rgb));
        }
        self.frame.element(element, color.alpha);
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> DrawResult {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let points: Vec<String> = vertices
            .into_iter()
            .map(|(x, y)| format!("{x},{y}"))
            .collect();
        let element = format!(
            "<polygon points=\"{}\" fill=\"{}\"",
            points.join(" "),
            hex(color.rgb)
        );
        self.frame.element(element, color.alpha);
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> DrawResult {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let mut element = format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{radius}\"",
            center.0, center.1
        );
        if fill {
            let _ = write!(element, " fill=\"{}\"", hex(color.rgb));
        } else {
            let _ = write!(element, " fill=\"none\" stroke=\"{}\"", hex(color.rgb));
            if style.stroke_width() != 1 {
                let _ = write!(element, " stroke-width=\"{}\"", style.stroke_width());
            }
        }
        self.frame.element(element, color.alpha);
        Ok(())
    }

    /// Writes the text with the anchor, baseline shift and rotation plotters' SVG backend uses,
    /// and never measures it (measuring needs a font, or a page on wasm32).
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> DrawResult {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let anchor = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "middle",
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => "0.76em",
            VPos::Center => "0.5ex",
            VPos::Bottom => "-0.5ex",
        };
        let (x, y) = pos;
        let transform = match style.transform() {
            FontTransform::None => None,
            FontTransform::Rotate90 => Some(format!("rotate(90, {x}, {y})")),
            FontTransform::Rotate180 => Some(format!("rotate(180, {x}, {y})")),
            FontTransform::Rotate270 => Some(format!("rotate(270, {x}, {y})")),
        };
        self.frame.texts.push(Label {
            font: Font {
                family: style.family().as_str().to_string(),
                // plotters sizes fonts in its own unit, 1.24 times the SVG font size.
                size: format!("{}", style.size() / 1.24),
                colour: color.rgb,
                alpha: color.alpha,
                style: match style.style() {
                    FontStyle::Normal => String::new(),
                    FontStyle::Bold => " font-weight=\"bold\"".to_string(),
                    other => format!(" font-style=\"{}\"", other.as_str()),
                },
            },
            x,
            y,
            anchor,
            dy,
            transform,
            body: escape(text),
        });
        Ok(())
    }
}

fn stroke_of<S: BackendStyle>(style: &S) -> Option<Stroke> {
    let color = style.color();
    (color.alpha > 0.0).then_some(Stroke {
        colour: color.rgb,
        alpha: color.alpha,
        width: style.stroke_width(),
    })
}

fn open_font_group(out: &mut String, font: &Font) {
    out.push_str("<g");
    // The plot's root element sets the usual family.
    if font.family != FONT_FAMILY {
        let _ = write!(out, " font-family=\"{}\"", escape(&font.family));
    }
    // The root sets the usual size too.
    if font.size != FONT.to_string() {
        let _ = write!(out, " font-size=\"{}\"", font.size);
    }
    let _ = write!(out, " fill=\"{}\"", hex(font.colour));
    out.push_str(&font.style);
    push_opacity(out, font.alpha);
    out.push_str(">\n");
}

/// ` opacity="a"` unless `a` is 1 (the default).
fn push_opacity(out: &mut String, alpha: f64) {
    if alpha != 1.0 {
        let _ = write!(out, " opacity=\"{alpha}\"");
    }
}

/// `#rrggbb` of a plotters colour, through [`Rgb::hex`].
fn hex((r, g, b): (u8, u8, u8)) -> String {
    Rgb(r, g, b).hex()
}

#[cfg(test)]
mod tests {
    //! The frame must show what plotters' own SVG backend would have drawn: the same strokes in
    //! the same order and colours, and the same labels at the same anchors. Both backends draw
    //! the same two panels here, and both outputs are read back into those terms.

    use std::collections::BTreeMap;

    use plotters::coord::Shift;
    use plotters::prelude::*;

    use super::*;
    use crate::plot::svg::{panel_at, AxisSpec, PanelSpec};
    use crate::plot::Theme;

    /// A line segment with its stroke colour (lower-case hex), opacity and width.
    type Segment = (String, String, String, (i32, i32), (i32, i32));

    /// What a label shows and where: x, y, dy, anchor, font size, colour, rotation, text.
    type Text = [String; 8];

    #[derive(Debug, Default, PartialEq)]
    struct Drawn {
        rects: Vec<[String; 5]>,
        segments: Vec<Segment>,
        texts: Vec<Text>,
    }

    /// The attributes of a start tag, unescaped.
    fn attrs(tag: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut rest = tag;
        while let Some(eq) = rest.find("=\"") {
            let key = rest[..eq].rsplit(' ').next().unwrap_or("").to_string();
            let end = rest[eq + 2..].find('"').expect("attribute value closes") + eq + 2;
            out.insert(key, unescape(&rest[eq + 2..end]));
            rest = &rest[end + 1..];
        }
        out
    }

    fn unescape(text: &str) -> String {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    }

    fn point(text: &str) -> (i32, i32) {
        let (x, y) = text.split_once(',').expect("x,y");
        (x.parse().expect("x"), y.parse().expect("y"))
    }

    /// The elements of an SVG document, each as (name, attributes, text body).
    fn elements(svg: &str) -> Vec<(String, BTreeMap<String, String>, String)> {
        let mut out = Vec::new();
        let mut rest = svg;
        while let Some(lt) = rest.find('<') {
            let gt = rest[lt..].find('>').expect("tag ends") + lt;
            let tag = &rest[lt + 1..gt];
            rest = &rest[gt + 1..];
            if tag.starts_with('/') {
                continue;
            }
            let name = tag.split([' ', '/']).next().unwrap_or("").to_string();
            let body = if tag.ends_with('/') {
                String::new()
            } else {
                unescape(rest[..rest.find('<').unwrap_or(rest.len())].trim())
            };
            out.push((name, attrs(tag), body));
        }
        out
    }

    /// Reads plotters' SVG backend output.
    fn read_plotters(svg: &str) -> Drawn {
        let mut drawn = Drawn::default();
        for (name, a, body) in elements(svg) {
            let stroke = |a: &BTreeMap<String, String>| {
                (
                    a["stroke"].to_lowercase(),
                    a["opacity"].clone(),
                    a["stroke-width"].clone(),
                )
            };
            match name.as_str() {
                "svg" => {}
                "rect" => drawn.rects.push([
                    a["x"].clone(),
                    a["y"].clone(),
                    a["width"].clone(),
                    a["height"].clone(),
                    a["fill"].to_lowercase(),
                ]),
                "line" => {
                    let (colour, opacity, width) = stroke(&a);
                    let p = |x: &str, y: &str| (a[x].parse().unwrap(), a[y].parse().unwrap());
                    drawn
                        .segments
                        .push((colour, opacity, width, p("x1", "y1"), p("x2", "y2")));
                }
                "polyline" => {
                    let (colour, opacity, width) = stroke(&a);
                    let points: Vec<(i32, i32)> =
                        a["points"].split_whitespace().map(point).collect();
                    for pair in points.windows(2) {
                        drawn.segments.push((
                            colour.clone(),
                            opacity.clone(),
                            width.clone(),
                            pair[0],
                            pair[1],
                        ));
                    }
                }
                "text" => drawn.texts.push([
                    a["x"].clone(),
                    a["y"].clone(),
                    a["dy"].clone(),
                    a["text-anchor"].clone(),
                    a["font-size"].clone(),
                    a["fill"].to_lowercase(),
                    a.get("transform").cloned().unwrap_or_default(),
                    body,
                ]),
                other => panic!("plotters drew an unexpected <{other}>"),
            }
        }
        drawn
    }

    /// Reads this backend's output, filling in the defaults it leaves out (and the font size that
    /// [`crate::plot::svg::finish`] sets on the root).
    fn read_frame(svg: &str) -> Drawn {
        let mut drawn = Drawn::default();
        let mut group = BTreeMap::new();
        for (name, a, body) in elements(svg) {
            match name.as_str() {
                "rect" => drawn.rects.push([
                    a.get("x").cloned().unwrap_or("0".into()),
                    a.get("y").cloned().unwrap_or("0".into()),
                    a["width"].clone(),
                    a["height"].clone(),
                    a["fill"].clone(),
                ]),
                "path" => {
                    let colour = a["stroke"].clone();
                    let opacity = a.get("opacity").cloned().unwrap_or("1".into());
                    let width = a.get("stroke-width").cloned().unwrap_or("1".into());
                    let (mut at, mut start) = ((0, 0), true);
                    let d = &a["d"];
                    let mut i = 0;
                    while i < d.len() {
                        let command = &d[i..i + 1];
                        let end = d[i + 1..]
                            .find(['M', 'H', 'V', 'L'])
                            .map_or(d.len(), |e| e + i + 1);
                        let args: Vec<i32> = d[i + 1..end]
                            .split(' ')
                            .map(|n| n.parse().expect("integer coordinate"))
                            .collect();
                        let next = match (command, args.as_slice()) {
                            ("M", [x, y]) => {
                                start = true;
                                (*x, *y)
                            }
                            ("H", [x]) => (*x, at.1),
                            ("V", [y]) => (at.0, *y),
                            ("L", [x, y]) => (*x, *y),
                            other => panic!("unexpected path command {other:?}"),
                        };
                        if !start || command != "M" {
                            drawn.segments.push((
                                colour.clone(),
                                opacity.clone(),
                                width.clone(),
                                at,
                                next,
                            ));
                        }
                        start = false;
                        at = next;
                        i = end;
                    }
                }
                "g" => group = a,
                "text" => {
                    let get = |key: &str| a.get(key).or(group.get(key)).cloned();
                    drawn.texts.push([
                        a["x"].clone(),
                        a["y"].clone(),
                        a["dy"].clone(),
                        get("text-anchor").unwrap_or("start".into()),
                        // Else the plot's root element's size.
                        get("font-size").unwrap_or(FONT.to_string()),
                        get("fill").expect("a fill"),
                        get("transform").unwrap_or_default(),
                        body,
                    ])
                }
                other => panic!("the frame has an unexpected <{other}>"),
            }
        }
        drawn
    }

    /// Two panels stacked on one root, like the rounding plot, with labels that need escaping.
    fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) {
        let palette = Theme::Dark.palette();
        root.fill(&palette.background.plotters()).unwrap();
        let label = |v: f64| format!("<{v}> & 'x'");
        let spec = |title: &'static str| PanelSpec {
            x: AxisSpec {
                lo: -3.0,
                hi: 7.0,
                ticks: vec![-2.0, 0.0, 2.0, 4.0, 6.0],
                label: &label,
                title,
            },
            y: AxisSpec {
                lo: 0.0,
                hi: 1.0,
                ticks: vec![0.0, 0.25, 0.5, 0.75, 1.0],
                label: &label,
                title: "\"y\" & <more>",
            },
            bottom: 30,
            left: 50,
        };
        panel_at(root, (0, 0, 300, 150), &spec("top"), &palette).unwrap();
        panel_at(root, (0, 150, 300, 300), &spec("bottom <x>"), &palette).unwrap();
        root.present().unwrap();
    }

    #[test]
    fn frame_draws_what_plotters_svg_backend_draws() {
        let size = (300, 300);
        let mut plotters_svg = String::new();
        draw(&SVGBackend::with_string(&mut plotters_svg, size).into_drawing_area());
        let mut frame = Frame::default();
        draw(&FrameBackend::new(&mut frame, size).into_drawing_area());
        let ours = frame.to_svg();

        let (want, got) = (read_plotters(&plotters_svg), read_frame(&ours));
        assert!(
            want.segments.len() > 40 && want.texts.len() == 24,
            "{want:?}"
        );
        assert_eq!(got, want);
        assert!(
            ours.contains("&lt;2&gt; &amp; &apos;x&apos;") && !ours.contains("<2>"),
            "labels are escaped"
        );
        // Per panel one path for the grid and one for the axes and ticks, one group of labels.
        let count = |name: &str| elements(&ours).iter().filter(|e| e.0 == name).count();
        assert_eq!((count("path"), count("g"), count("text")), (4, 1, 24));
        assert!(elements(&ours).len() * 2 < elements(&plotters_svg).len());
    }
}
