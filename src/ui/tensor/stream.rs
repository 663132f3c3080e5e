//! Reading a tensor file in the browser: its header and list of tensors, then the chosen tensor's
//! bytes streamed through `tensor::Analysis` slice by slice (the next slice read while this one
//! is analysed), giving the page a turn every 25 ms of work.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{workers, Source, Status};
use crate::present::tensor as model;
use crate::tensor::file::{self, decode, Dtype, TensorInfo};
use crate::tensor::parts::sampled;
use crate::tensor::{absmax, Analysis, Mode};

/// Bytes read from a file at a time (a read costs a round trip through the browser, so few and
/// large; the values are then analysed a turn's worth at a time).
const SLICE: f64 = 4.0 * 1024.0 * 1024.0;
/// Values analysed between two looks at the clock.
const VALUES_PER_TURN: usize = 16384;
/// Milliseconds of work before the page gets a turn (a frame stays well under 50 ms).
const TURN_MS: f64 = 25.0;

/// Gives the page a turn once `TURN_MS` of work has passed since the last one: yielding after
/// every slice of 16,384 values would spend more time switching and painting than analysing.
struct Turns {
    last: f64,
}

impl Turns {
    fn new() -> Turns {
        Turns { last: now() }
    }

    /// `show` puts the progress on the page just before the turn: setting it after every slice
    /// would redraw hundreds of times a second what the page paints only during a turn.
    async fn maybe_yield(&mut self, show: impl FnOnce()) {
        if now() - self.last > TURN_MS {
            show();
            next_turn().await;
            self.last = now();
        }
    }
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Reads a file's header and lists its tensors.
pub(super) async fn list_tensors(f: &web_sys::File) -> Result<Vec<TensorInfo>, String> {
    let len = f.size() as u64;
    let first = read_range(f, 0.0, 12.0_f64.min(len as f64)).await?;
    if first.starts_with(file::ZIP_MAGIC) {
        return list_npz(f, len).await;
    }
    if first.starts_with(file::NPY_MAGIC) {
        let (n, start) = file::npy_header_len(&first).map_err(|e| e.0)?;
        let header = read_range(f, start as f64, (start + n) as f64).await?;
        let text = String::from_utf8_lossy(&header);
        let mut t = file::npy_tensor(&text, start + n, len).map_err(|e| e.0)?;
        t.name = f.name();
        return Ok(vec![t]);
    }
    let n = file::safetensors_header_len(&first, len).map_err(|e| e.0)?;
    let header = read_range(f, 8.0, (8 + n) as f64).await?;
    file::safetensors_tensors(&header, len).map_err(|e| e.0)
}

/// Most arrays of a `.npz` listed (each costs a few small reads).
const MAX_NPZ_ARRAYS: usize = 1000;

/// The arrays of a `.npz`: its ZIP directory, then each stored `.npy` member's header.
async fn list_npz(f: &web_sys::File, len: u64) -> Result<Vec<TensorInfo>, String> {
    let tail_len = len.min(65536 + 22);
    let tail = read_range(f, (len - tail_len) as f64, len as f64).await?;
    let (offset, size) = file::zip_directory(&tail, len).map_err(|e| e.0)?;
    let directory = read_range(f, offset as f64, (offset + size) as f64).await?;
    let entries = file::zip_entries(&directory).map_err(|e| e.0)?;
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.name.ends_with(".npy")) {
        if out.len() == MAX_NPZ_ARRAYS {
            return Err(format!(
                "This .npz holds more than {MAX_NPZ_ARRAYS} arrays."
            ));
        }
        let local = read_range(f, e.local_offset as f64, (e.local_offset + 30) as f64).await?;
        let start = file::zip_data_start(&local, e.local_offset).map_err(|e| e.0)?;
        match e.method {
            0 => {}
            8 => {
                out.push(deflated_npy(f, e, start, len).await?);
                continue;
            }
            m => {
                return Err(format!(
                    "{} is compressed with ZIP method {m}, which this page does not read \
                     (numpy writes stored or deflated members).",
                    e.name
                ))
            }
        }
        let end = start.saturating_add(e.size).min(len);
        let head = read_range(f, start as f64, (start + 12).min(end) as f64).await?;
        let (n, skip) = file::npy_header_len(&head).map_err(|e| e.0)?;
        let header =
            read_range(f, (start + skip) as f64, (start + skip + n).min(end) as f64).await?;
        let text = String::from_utf8_lossy(&header);
        let mut t = file::npy_tensor(&text, start + skip + n, end).map_err(|e| e.0)?;
        t.name = e.name.trim_end_matches(".npy").to_string();
        out.push(t);
    }
    if out.is_empty() {
        return Err("This .npz holds no .npy arrays.".to_string());
    }
    Ok(out)
}

/// The header of a deflated `.npy` member (`numpy.savez_compressed`): its first compressed bytes
/// inflated until the header is whole.
async fn deflated_npy(
    f: &web_sys::File,
    e: &file::ZipEntry,
    start: u64,
    len: u64,
) -> Result<TensorInfo, String> {
    let end = start.saturating_add(e.compressed).min(len);
    let mut inflater = file::Inflater::default();
    let mut head = Vec::new();
    let mut at = start;
    // A .npy header is at most 4 GiB by its format and a few hundred bytes in practice: read
    // until it is whole, giving up after 1 MiB of compressed bytes.
    let header = loop {
        if let Ok((n, skip)) = file::npy_header_len(&head) {
            if head.len() as u64 >= skip + n {
                break (n, skip);
            }
        }
        if at >= end || at - start > 1 << 20 {
            return Err(format!("{}: its .npy header could not be read.", e.name));
        }
        let to = (at + 16 * 1024).min(end);
        let bytes = read_range(f, at as f64, to as f64).await?;
        inflater.push(&bytes, &mut head).map_err(|e| e.0)?;
        at = to;
    };
    let (n, skip) = header;
    let text = String::from_utf8_lossy(&head[skip as usize..(skip + n) as usize]);
    let mut t = file::npy_tensor(&text, skip + n, e.size).map_err(|e| e.0)?;
    t.name = e.name.trim_end_matches(".npy").to_string();
    t.deflated = Some(file::Deflated {
        start,
        compressed: end - start,
    });
    Ok(t)
}

async fn read_range(f: &web_sys::File, start: f64, end: f64) -> Result<Vec<u8>, String> {
    start_read(f, start, end).bytes().await
}

/// A read of a byte range under way.
struct Reading(Result<JsFuture, String>);

fn start_read(f: &web_sys::File, start: f64, end: f64) -> Reading {
    Reading(
        f.slice_with_f64_and_f64(start, end)
            .map(|blob| JsFuture::from(blob.array_buffer()))
            .map_err(|_| "The file could not be read.".to_string()),
    )
}

impl Reading {
    async fn bytes(self) -> Result<Vec<u8>, String> {
        let buffer = self
            .0?
            .await
            .map_err(|_| "The file could not be read (was it moved or deleted?).".to_string())?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }
}

/// A byte range of a file read in slices, each read begun before the one before it is analysed
/// (reading and analysing would take turns otherwise, each waiting on the other).
struct Slices<'a> {
    file: &'a web_sys::File,
    /// Where the read after the one under way starts.
    at: f64,
    end: f64,
    slice: f64,
    reading: Option<Reading>,
}

impl<'a> Slices<'a> {
    fn new(file: &'a web_sys::File, start: f64, end: f64, slice: f64) -> Slices<'a> {
        let mut slices = Slices {
            file,
            at: start,
            end,
            slice,
            reading: None,
        };
        slices.reading = slices.begin();
        slices
    }

    /// Begins the next read, if any is left.
    fn begin(&mut self) -> Option<Reading> {
        (self.at < self.end).then(|| {
            let to = (self.at + self.slice).min(self.end);
            let reading = start_read(self.file, self.at, to);
            self.at = to;
            reading
        })
    }

    /// The next slice's bytes (the read after it already begun), or `None` past the end.
    async fn next(&mut self) -> Option<Result<Vec<u8>, String>> {
        let current = self.reading.take()?;
        self.reading = self.begin();
        Some(current.bytes().await)
    }
}

/// Lets the page paint and answer input before the next slice: a message to a channel of our
/// own, a task like a timer's without the 4 ms that browsers add to chained `setTimeout`s.
async fn next_turn() {
    // Without a channel (it cannot fail in a browser that runs this) the work goes on unbroken.
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        channel.port1().set_onmessage(Some(&resolve));
        let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
    });
    let _ = JsFuture::from(promise).await;
    // The channel lives until its message has arrived.
    channel.port1().set_onmessage(None);
}

/// Streams a deflated `.npz` array: compressed slices inflated one after the other, the header's
/// bytes skipped, whole elements decoded (a partial element waits for the next slice).
async fn stream_deflated(
    f: &web_sys::File,
    t: &TensorInfo,
    p: &mut Pass,
    status: RwSignal<Status>,
    progress: impl Fn(&Pass) -> Status,
    still: impl Fn() -> bool,
) -> Result<(), String> {
    let dtype: Dtype = t.dtype.ok_or("This tensor's type is not read.")?;
    let Some(place) = t.deflated else {
        return Ok(());
    };
    let size = dtype.size();
    let mut inflater = file::Inflater::default();
    let (mut skip, mut left) = (t.offset, t.bytes);
    let (mut bytes, mut values) = (Vec::new(), Vec::new());
    // Compressed slices of 16 KiB: they inflate to several times their size (up to a thousand
    // times for runs of zeros).
    let end = place.start + place.compressed;
    let mut slices = Slices::new(f, place.start as f64, end as f64, 16.0 * 1024.0);
    let mut turns = Turns::new();
    while let Some(compressed) = slices.next().await {
        let compressed = compressed?;
        if !still() {
            return Err("Cancelled.".to_string());
        }
        inflater.push(&compressed, &mut bytes).map_err(|e| e.0)?;
        let header = skip.min(bytes.len() as u64);
        bytes.drain(..header as usize);
        skip -= header;
        let whole = (bytes.len() as u64).min(left) / size * size;
        for part in bytes[..whole as usize].chunks(VALUES_PER_TURN * size as usize) {
            values.clear();
            decode(dtype, t.endian, part, &mut values);
            p.eat(&values);
            turns
                .maybe_yield(|| {
                    status.try_set(progress(p));
                })
                .await;
        }
        bytes.drain(..whole as usize);
        left -= whole;
        if left == 0 {
            break;
        }
    }
    if left > 0 {
        return Err(format!(
            "The compressed array ends {left} bytes early: the file is truncated or corrupt."
        ));
    }
    Ok(())
}

/// What a pass over the values gathers.
struct Pass {
    analysis: Option<Analysis>,
    largest: f64,
    done: u64,
    /// Every `stride`-th value, for the histogram (at most about [`SAMPLE`] of them).
    stride: u64,
    sample: Vec<f64>,
}

/// Values the histogram shows at most.
const SAMPLE: u64 = 4096;

impl Pass {
    fn eat(&mut self, values: &[f64]) {
        if let Some(a) = &mut self.analysis {
            a.add(values);
            self.sample
                .extend(sampled(values, self.done, self.stride).copied());
        }
        self.largest = self.largest.max(absmax(values));
        self.done += values.len() as u64;
    }
}

/// Streams `source` through the analysis (twice when a scale needs the tensor's absmax first).
pub(super) async fn analyse(
    source: Source,
    mode: Mode,
    known: Option<f64>,
    status: RwSignal<Status>,
    still: impl Fn() -> bool + Copy,
) -> Result<Status, String> {
    let (label, total) = match &source {
        Source::Values(label, v) => (label.clone(), v.len() as u64),
        Source::File(_, t) => (format!("{} ({})", t.name, t.dtype_name), t.elements()),
    };
    // A scale needs the absmax first: a pass of its own, unless a run of this source knows it.
    let passes = if mode.needs_absmax() && known.is_none() {
        2
    } else {
        1
    };
    let stride = total.div_ceil(SAMPLE).max(1);
    if let Source::File(f, t) = &source {
        if t.deflated.is_none() {
            let progress = |done| {
                status.try_set(Status::Busy {
                    done,
                    total: total * passes,
                });
            };
            let measured = workers::measure(f, t, (mode, known), stride, progress, still).await?;
            if let Some(m) = measured {
                return Ok(done(&label, total, m.largest, m.analysis, m.sample));
            }
        }
    }
    let mut largest = known.unwrap_or(0.0);
    let mut result = None;
    for pass in 0..passes {
        let mut p = Pass {
            analysis: (pass + 1 == passes).then(|| Analysis::new(mode, largest)),
            largest: 0.0,
            done: 0,
            stride,
            sample: Vec::new(),
        };
        let progress = |p: &Pass| Status::Busy {
            done: p.done + pass * total,
            total: total * passes,
        };
        match &source {
            Source::Values(_, v) => {
                let mut turns = Turns::new();
                for part in v.chunks(VALUES_PER_TURN) {
                    p.eat(part);
                    turns
                        .maybe_yield(|| {
                            status.try_set(progress(&p));
                        })
                        .await;
                    // A newer run or Cancel owns the status now.
                    if !still() {
                        return Err("Cancelled.".to_string());
                    }
                }
            }
            Source::File(f, t) if t.deflated.is_some() => {
                stream_deflated(f, t, &mut p, status, progress, still).await?;
            }
            Source::File(f, t) => {
                let dtype: Dtype = t.dtype.ok_or("This tensor's type is not read.")?;
                let size = dtype.size() as f64;
                let slice = (SLICE / size).floor() * size;
                let end = (t.offset + t.bytes) as f64;
                let mut slices = Slices::new(f, t.offset as f64, end, slice);
                let mut values = Vec::new();
                let mut turns = Turns::new();
                while let Some(bytes) = slices.next().await {
                    let bytes = bytes?;
                    for part in bytes.chunks(VALUES_PER_TURN * dtype.size() as usize) {
                        if !still() {
                            return Err("Cancelled.".to_string());
                        }
                        values.clear();
                        decode(dtype, t.endian, part, &mut values);
                        p.eat(&values);
                        turns
                            .maybe_yield(|| {
                                status.try_set(progress(&p));
                            })
                            .await;
                    }
                }
            }
        }
        largest = p.largest;
        result = Some(p);
    }
    let Some(Pass {
        analysis: Some(mut analysis),
        sample,
        ..
    }) = result
    else {
        return Err("Nothing to measure.".to_string());
    };
    analysis.finish();
    Ok(done(&label, total, largest, analysis, sample))
}

/// The view's state once a tensor is measured.
fn done(label: &str, total: u64, largest: f64, analysis: Analysis, sample: Vec<f64>) -> Status {
    // Every row counts every value: the zeros and the NaN or infinite ones are any row's.
    let counted = analysis.rows.first().map(|r| r.tally).unwrap_or_default();
    let non_finite = counted.non_finite;
    let zeros = counted.values - counted.non_finite - counted.nonzero;
    Status::Done {
        summary: format!(
            "{label}: {total} values, {zeros} zero, {non_finite} NaN or infinite; the largest \
             magnitude is {}.",
            // Shortest round-trip digits, in scientific notation past 1e16 (Rust's `{}` would pad
            // them with zeros that read as exact digits).
            crate::present::number::short(largest)
        ),
        rows: model::rows(&analysis),
        sample,
        absmax: largest,
    }
}
