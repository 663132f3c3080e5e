//! The writer for a plot's data elements, and XML escaping: every attribute value and text body
//! goes through [`escape`].

use std::fmt::{Display, Write as _};

use super::axis::FONT;
use super::palette::Rgb;

/// XML-escapes text for an element body or a double- or single-quoted attribute: `&`, `<`, `>`,
/// `"` and `'` become entities, and characters XML 1.0 forbids (C0 controls other than tab, line
/// feed and carriage return) become U+FFFD, so any string gives well-formed markup.
///
/// ```
/// assert_eq!(precision_lab::plot::escape("<b a=\"1\">&'"), "&lt;b a=&quot;1&quot;&gt;&amp;&apos;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A writer for the data elements drawn over the frame. Every attribute value and text body goes
/// through [`escape`].
#[derive(Default)]
pub(crate) struct Doc {
    buf: String,
}

/// One element being written; finish it with [`El::end`], [`El::text`] or [`El::title`].
pub(crate) struct El<'d> {
    doc: &'d mut Doc,
    name: &'static str,
}

impl Doc {
    pub fn el(&mut self, name: &'static str) -> El<'_> {
        self.buf.push('<');
        self.buf.push_str(name);
        El { doc: self, name }
    }

    /// Opens a group with the given attributes; close it with [`Doc::close_group`].
    pub fn group(&mut self, attrs: &[(&str, &str)]) {
        self.buf.push_str("<g");
        for (key, value) in attrs {
            push_attr(&mut self.buf, key, value);
        }
        self.buf.push_str(">\n");
    }

    pub fn close_group(&mut self) {
        self.buf.push_str("</g>\n");
    }

    /// Text at (x, y) in the theme's text colour; `anchor` is start, middle or end. The size and
    /// anchor are left out when they are the defaults ([`FONT`], set on the root by [`finish`],
    /// and start).
    pub fn text(&mut self, x: i32, y: i32, size: u32, fill: Rgb, anchor: &str, body: &str) {
        let mut el = self.el("text").attr("x", x).attr("y", y);
        if size != FONT {
            el = el.attr("font-size", size);
        }
        el = el.attr("fill", fill.hex());
        if anchor != "start" {
            el = el.attr("text-anchor", anchor);
        }
        el.text(body);
    }

    /// A horizontal legend: a swatch and a label per entry, wrapped onto new rows when the width
    /// runs out. Returns the y of the row after the last.
    pub fn legend(
        &mut self,
        x0: i32,
        y0: i32,
        width: i32,
        entries: &[(Rgb, String)],
        text: Rgb,
    ) -> i32 {
        let (mut x, mut y) = (x0, y0);
        let row = FONT as i32 + 5;
        for (colour, label) in entries {
            let w = 16 + approx_text_width(label, FONT);
            if x > x0 && x + w > x0 + width {
                x = x0;
                y += row;
            }
            self.el("rect")
                .attr("x", x)
                .attr("y", y - 8)
                .attr("width", 10)
                .attr("height", 8)
                .attr("fill", colour.hex())
                .attr("data-legend", label)
                .end();
            self.text(x + 13, y, FONT, text, "start", label);
            x += w + 8;
        }
        y + row
    }

    /// A horizontal legend of line samples (a series' colour and dash) with labels, wrapped like
    /// [`Doc::legend`]. Returns the y of the row after the last.
    pub fn line_legend(
        &mut self,
        x0: i32,
        y0: i32,
        width: i32,
        entries: &[(Rgb, Option<&str>, String)],
        text: Rgb,
    ) -> i32 {
        let (mut x, mut y) = (x0, y0);
        let row = FONT as i32 + 5;
        for (colour, dash, label) in entries {
            let w = 22 + approx_text_width(label, FONT);
            if x > x0 && x + w > x0 + width {
                x = x0;
                y += row;
            }
            let mut el = self
                .el("line")
                .attr("x1", x)
                .attr("x2", x + 16)
                .attr("y1", y - 4)
                .attr("y2", y - 4)
                .attr("stroke", colour.hex())
                .attr("stroke-width", 2);
            if let Some(dash) = dash {
                el = el.attr("stroke-dasharray", dash);
            }
            el.attr("data-legend", label).end();
            self.text(x + 20, y, FONT, text, "start", label);
            x += w + 8;
        }
        y + row
    }

    pub fn into_string(self) -> String {
        self.buf
    }
}

impl El<'_> {
    pub fn attr(self, key: &str, value: impl Display) -> Self {
        let value = value.to_string();
        push_attr(&mut self.doc.buf, key, &value);
        self
    }

    /// Ends an empty element.
    pub fn end(self) {
        self.doc.buf.push_str("/>\n");
    }

    /// Ends the element with a text body.
    pub fn text(self, body: &str) {
        let _ = writeln!(self.doc.buf, ">{}</{}>", escape(body), self.name);
    }

    /// Ends the element with a `<title>` child (a tooltip).
    pub fn title(self, title: &str) {
        let _ = writeln!(
            self.doc.buf,
            "><title>{}</title></{}>",
            escape(title),
            self.name
        );
    }
}

fn push_attr(buf: &mut String, key: &str, value: &str) {
    buf.push(' ');
    buf.push_str(key);
    buf.push_str("=\"");
    buf.push_str(&escape(value));
    buf.push('"');
}

/// A rough width of `text` at `size` (plotters' own estimate: 0.7 em per character).
pub(crate) fn approx_text_width(text: &str, size: u32) -> i32 {
    (text.chars().count() as f64 * f64::from(size) * 0.6).round() as i32
}
