//! A file's tensor measured in Web Workers, one per core: each worker runs the app's own module
//! (`main.rs` mounts nothing there), is sent parts of [`PART`] values to read from the file and
//! measure (`measureTensorPart`, in the tensor view's module), and sends back each part's
//! tallies, which the page merges in order ([`Analysis::merge_part`]): the table is the one
//! measuring in the page gives, bit for bit, on any number of cores. The page's own thread only
//! waits, so it stays responsive.
//!
//! The site's build writes the worker's script and the loader names it in the global
//! `plTensorWorker` (`scripts/build-site.mjs`); without it (the component tests), or when no worker
//! answers its first part, the view measures in the page (`stream`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Float64Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::tensor::file::TensorInfo;
use crate::tensor::{Analysis, Mode, PartJob, PartRequest, PartResult, PART};
use crate::ui::lazy::ChunkError;

/// Workers at most, whatever the number of cores.
const MOST: usize = 8;

/// A worker, and whether it has failed (its script did not load: its error event may come before
/// it is asked anything, and it answers nothing after).
struct Started {
    worker: web_sys::Worker,
    failed: Rc<Cell<bool>>,
    _on_error: Closure<dyn FnMut()>,
}

/// The page's workers, and how to stop what they are doing.
#[derive(Default)]
struct Pool {
    workers: Vec<Started>,
    /// A worker failed before it answered anything: this page measures without them.
    broken: bool,
    /// Where the running run's replies arrive: stopping the workers posts `Stopped` there, so
    /// the run ends instead of waiting forever.
    mailbox: Option<Rc<Mailbox>>,
    /// The run measuring now (0 for none), and the last run's number.
    running: u64,
    runs: u64,
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// The worker script's address, when the build made one.
fn script() -> Option<String> {
    Reflect::get(&js_sys::global(), &JsValue::from_str("plTensorWorker"))
        .ok()?
        .as_string()
}

/// The workers worth starting: one per core the browser reports, at most [`MOST`].
fn cores() -> usize {
    let reported = web_sys::window().map(|w| w.navigator().hardware_concurrency());
    match reported {
        Some(c) if c >= 1.0 => (c as usize).min(MOST),
        _ => 2,
    }
}

/// `n` workers, started if need be (each downloads and compiles the app's module at once, from
/// the browser's cache); `None` when the build has no worker script or a worker cannot start.
fn pool(n: usize) -> Option<Vec<web_sys::Worker>> {
    let url = script()?;
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.broken {
            return None;
        }
        while pool.workers.len() < n {
            let options = web_sys::WorkerOptions::new();
            options.set_type(web_sys::WorkerType::Module);
            let worker = web_sys::Worker::new_with_options(&url, &options).ok()?;
            let failed = Rc::new(Cell::new(false));
            let on_error = Closure::<dyn FnMut()>::new({
                let failed = failed.clone();
                move || failed.set(true)
            });
            let _ =
                worker.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
            pool.workers.push(Started {
                worker,
                failed,
                _on_error: on_error,
            });
        }
        if pool.workers.iter().any(|w| w.failed.get()) {
            return None;
        }
        Some(pool.workers[..n].iter().map(|w| w.worker.clone()).collect())
    })
}

/// Starts the workers before they are needed: once the view is painted, and when the file input
/// is clicked or a file chosen (again after Cancel).
pub(super) fn warm() {
    let _ = pool(cores());
}

/// Stops every worker: a run was cancelled or replaced (a worker cannot be interrupted within a
/// part), a worker failed, or the view is gone.
pub(super) fn release() {
    let (workers, mailbox) = POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        pool.running = 0;
        (std::mem::take(&mut pool.workers), pool.mailbox.take())
    });
    for started in workers {
        started.worker.terminate();
    }
    if let Some(mailbox) = mailbox {
        mailbox.post(Mail::Stopped);
    }
}

/// Workers do not work on this page (their script is missing or refused): stops them, and the
/// page measures without them from now on.
fn give_up(why: &str) {
    release();
    POOL.with(|pool| pool.borrow_mut().broken = true);
    web_sys::console::warn_1(&format!("Precision Lab measures in the page: {why}.").into());
}

/// A run's hold on the workers; a newer run stops the older one's work first.
struct Running(u64);

impl Running {
    fn start() -> Running {
        let (busy, id) = POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            pool.runs += 1;
            (pool.running != 0, pool.runs)
        });
        if busy {
            release();
        }
        POOL.with(|pool| pool.borrow_mut().running = id);
        Running(id)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.running == self.0 {
                pool.running = 0;
                pool.mailbox = None;
            }
        });
    }
}

/// What the workers measured.
pub(super) struct Measured {
    /// The tensor's largest finite magnitude.
    pub largest: f64,
    /// The table, every part merged.
    pub analysis: Analysis,
    /// The histogram's sample: every `stride`-th value.
    pub sample: Vec<f64>,
}

/// Measures tensor `t` of `file` in workers, in one pass, or two when `mode` needs the absmax
/// first and it is not `known`. `progress` hears how many values the passes have measured in all. `Ok(None)` when no
/// worker is there or none answered before something failed (the caller measures in the page).
pub(super) async fn measure(
    file: &web_sys::File,
    t: &TensorInfo,
    (mode, known): (Mode, Option<f64>),
    stride: u64,
    progress: impl Fn(u64),
    still: impl Fn() -> bool,
) -> Result<Option<Measured>, String> {
    let Some(dtype) = t.dtype else {
        return Ok(None);
    };
    let total = t.elements();
    let parts = total.div_ceil(PART as u64);
    let running = Running::start();
    let run = running.0;
    let Some(workers) = pool(cores().min(usize::try_from(parts).unwrap_or(MOST))) else {
        // A worker that failed to start: this page measures without them from now on.
        if POOL.with(|pool| !pool.borrow().workers.is_empty()) {
            give_up("a worker failed to start");
        }
        return Ok(None);
    };
    if workers.is_empty() {
        return Ok(None);
    }
    let mailbox = Rc::new(Mailbox::default());
    POOL.with(|pool| pool.borrow_mut().mailbox = Some(mailbox.clone()));
    let _listening = Listening::start(&workers, &mailbox);
    let n = workers.len() as u64;
    let passes = if mode.needs_absmax() && known.is_none() {
        2
    } else {
        1
    };
    let (mut largest, mut answered) = (known.unwrap_or(0.0), false);
    let mut analysis = Analysis::new(mode, 0.0);
    let mut sample = Vec::new();
    for pass in 0..passes {
        let measuring = pass + 1 == passes;
        // Each worker is sent its parts at once, every `n`-th from its own number, and reads
        // the next part while it measures one. A first pass asks it to keep its parts' bytes
        // for the second, which then reads nothing (the file's reads cost about 3 ms a MB, and
        // they queue), up to `KEEP_BYTES` a tensor.
        let keep = !measuring && total * dtype.size() <= KEEP_BYTES;
        let request = |index| PartRequest {
            dtype,
            endian: t.endian,
            job: PartJob {
                index,
                stride,
                measure: measuring.then_some((mode, largest)),
            },
        };
        for (slot, worker) in workers.iter().enumerate() {
            let (ranges, requests) = parts_of(t, slot as u64, n, &request);
            send(worker, run, slot, file, keep, &ranges, &requests);
        }
        let mut results: Vec<Option<PartResult>> = vec![None; parts as usize];
        let (mut received, mut done) = (0, 0);
        while received < parts {
            let mail = mailbox.next().await;
            // An error event: the worker's script did not load or its module failed. (A reply
            // with an error comes from a worker that works: the file could not be read, say.)
            let worker_failed = matches!(mail, Mail::Failed(_));
            let reply = match mail {
                // Cancel, a newer run, or the view gone.
                _ if !still() => None,
                Mail::Stopped => None,
                Mail::Reply(data) => Some(read_reply(&data)),
                Mail::Failed(why) => Some(Err(why)),
            };
            let Some(reply) = reply else {
                release();
                return Err("Cancelled.".to_string());
            };
            let placed = reply.and_then(|(slot, position, result)| {
                let index = slot as u64 + position * n;
                match results.get_mut(index as usize) {
                    Some(place @ None) if (slot as u64) < n => {
                        *place = Some(result);
                        Ok(index)
                    }
                    _ => Err("a reply for no part".to_string()),
                }
            });
            let index = match placed {
                Ok(index) => index,
                Err(why) if answered => {
                    release();
                    return Err(format!("Measuring in the background stopped: {why}."));
                }
                Err(why) => {
                    // Nothing measured yet: the page measures this tensor itself (and says
                    // plainly what fails, if it fails there too); a worker that could not start
                    // is not asked again.
                    if worker_failed {
                        give_up(&why);
                    } else {
                        release();
                    }
                    return Ok(None);
                }
            };
            answered = true;
            received += 1;
            done += values_in(total, index);
            progress(pass * total + done);
        }
        let results: Vec<PartResult> = results.into_iter().flatten().collect();
        largest = results.iter().fold(0.0, |m, r| m.max(r.largest));
        if measuring {
            analysis = Analysis::new(mode, largest);
            for r in &results {
                analysis.merge_part(&r.tallies);
                sample.extend_from_slice(&r.sample);
            }
        }
    }
    Ok(Some(Measured {
        largest,
        analysis,
        sample,
    }))
}

/// Worker `slot`'s parts of tensor `t` (every `n`-th, from its own number): each part's byte
/// range in the file, and its request's numbers.
fn parts_of(
    t: &TensorInfo,
    slot: u64,
    n: u64,
    request: &impl Fn(u64) -> PartRequest,
) -> (Vec<f64>, Vec<f64>) {
    let total = t.elements();
    let (mut ranges, mut requests) = (Vec::new(), Vec::new());
    for index in (slot..total.div_ceil(PART as u64)).step_by(n as usize) {
        let r = request(index);
        let size = r.dtype.size();
        let start = t.offset + index * PART as u64 * size;
        let count = values_in(total, index);
        ranges.extend([start as f64, (start + count * size) as f64]);
        requests.extend(r.to_numbers());
    }
    (ranges, requests)
}

/// How many of a tensor's `total` values part `index` holds (`PART`, fewer for the last).
fn values_in(total: u64, index: u64) -> u64 {
    (total - index * PART as u64).min(PART as u64)
}

/// Bytes of a tensor that its workers keep between the passes, at most (each keeps its share).
const KEEP_BYTES: u64 = 256 << 20;

/// What arrives from the workers.
enum Mail {
    /// A message: a part's result or a worker's error (`read_reply`).
    Reply(JsValue),
    /// A worker's error event (its script failed, or an uncaught error).
    Failed(String),
    /// The workers were stopped.
    Stopped,
}

/// The replies of a run's workers, in the order they arrive.
#[derive(Default)]
struct Mailbox {
    mail: RefCell<std::collections::VecDeque<Mail>>,
    /// Resolves the promise the run waits on, if it waits.
    wake: RefCell<Option<js_sys::Function>>,
}

impl Mailbox {
    fn post(&self, mail: Mail) {
        self.mail.borrow_mut().push_back(mail);
        if let Some(wake) = self.wake.borrow_mut().take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }

    async fn next(&self) -> Mail {
        loop {
            if let Some(mail) = self.mail.borrow_mut().pop_front() {
                return mail;
            }
            let waiting = Promise::new(&mut |resolve, _| {
                *self.wake.borrow_mut() = Some(resolve);
            });
            let _ = JsFuture::from(waiting).await;
        }
    }
}

/// The workers' message and error handlers for a run, removed when it ends.
struct Listening {
    workers: Vec<web_sys::Worker>,
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Listening {
    fn start(workers: &[web_sys::Worker], mailbox: &Rc<Mailbox>) -> Listening {
        let mut handlers = Vec::new();
        for worker in workers {
            let on_message = Closure::<dyn FnMut(JsValue)>::new({
                let mailbox = mailbox.clone();
                move |event: JsValue| {
                    let data = Reflect::get(&event, &JsValue::from_str("data")).unwrap_or_default();
                    mailbox.post(Mail::Reply(data));
                }
            });
            let on_error = Closure::<dyn FnMut(JsValue)>::new({
                let mailbox = mailbox.clone();
                move |event: JsValue| mailbox.post(Mail::Failed(describe(event)))
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            worker.set_onmessageerror(Some(on_error.as_ref().unchecked_ref()));
            handlers.extend([on_message, on_error]);
        }
        Listening {
            workers: workers.to_vec(),
            _handlers: handlers,
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        for worker in &self.workers {
            worker.set_onmessage(None);
            worker.set_onerror(None);
            worker.set_onmessageerror(None);
        }
    }
}

/// Sends a worker its parts for one pass: the run (a worker drops the bytes it kept for another
/// run), its number (its replies repeat it), the file, whether to keep the bytes for the next
/// pass, each part's byte range in the file and each part's request (the worker script reads
/// these fields).
fn send(
    worker: &web_sys::Worker,
    run: u64,
    slot: usize,
    file: &web_sys::File,
    keep: bool,
    ranges: &[f64],
    requests: &[f64],
) {
    let message = Object::new();
    let fields: [(&str, JsValue); 6] = [
        ("run", (run as f64).into()),
        ("slot", (slot as f64).into()),
        ("file", file.into()),
        ("keep", keep.into()),
        ("ranges", Float64Array::from(ranges).into()),
        ("requests", Float64Array::from(requests).into()),
    ];
    for (key, value) in fields {
        let _ = Reflect::set(&message, &JsValue::from_str(key), &value);
    }
    if let Err(error) = worker.post_message(&message) {
        if let Some(mailbox) = POOL.with(|pool| pool.borrow().mailbox.clone()) {
            mailbox.post(Mail::Failed(describe(error)));
        }
    }
}

/// A worker's reply, `{ slot, part, out }` or `{ slot, error }`, read as the worker's number, the
/// part's place in its list and the part's result.
fn read_reply(data: &JsValue) -> Result<(usize, u64, PartResult), String> {
    let field = |key: &str| Reflect::get(data, &JsValue::from_str(key)).unwrap_or_default();
    if let Some(error) = field("error").as_string() {
        return Err(error);
    }
    let whole = |key: &str| {
        field(key)
            .as_f64()
            .filter(|v| *v >= 0.0 && v.fract() == 0.0)
            .ok_or_else(|| format!("a reply without its {key}"))
    };
    let (slot, position) = (whole("slot")?, whole("part")?);
    let out = field("out")
        .dyn_into::<Float64Array>()
        .map_err(|_| "a reply without numbers")?;
    let result = PartResult::from_numbers(&out.to_vec()).ok_or("a malformed reply")?;
    Ok((slot as usize, position as u64, result))
}

/// A JavaScript error or event in words.
fn describe(error: JsValue) -> String {
    let message = Reflect::get(&error, &JsValue::from_str("message")).unwrap_or_default();
    message
        .as_string()
        .filter(|m| !m.is_empty())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "a worker failed to start".to_string())
}

/// How a worker measures one part, in the tensor view's module (downloaded with it).
type Measure = fn(&[f64], &[u8]) -> Option<Vec<f64>>;

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(tensor, wasm_split_path = ::leptos::wasm_split, fallible)]
fn measurer() -> Result<Measure, ChunkError> {
    Ok(measure_request)
}

#[cfg(not(feature = "split"))]
async fn measurer() -> Result<Measure, ChunkError> {
    Ok(measure_request)
}

fn measure_request(request: &[f64], bytes: &[u8]) -> Option<Vec<f64>> {
    // An empty request only brings the module in (the worker script's first call).
    if request.is_empty() {
        return Some(Vec::new());
    }
    Some(
        PartRequest::from_numbers(request)?
            .measure(bytes)
            .to_numbers(),
    )
}

/// A worker's entry point: measures one part of a tensor from its bytes and a
/// [`PartRequest`]'s numbers, and calls `done` with a [`PartResult`]'s numbers (a
/// `Float64Array`) or an error message. The worker script calls it for each part it is sent,
/// and once with an empty request as it starts, which downloads the tensor view's module. A
/// callback on Leptos's executor rather than an `async fn`: wasm-bindgen's promise for an `async`
/// export, or a second executor, would cost the app's main module, which every page downloads,
/// several KB.
#[wasm_bindgen(js_name = measureTensorPart)]
pub fn measure_tensor_part(request: Vec<f64>, bytes: Vec<u8>, done: js_sys::Function) {
    leptos::task::spawn_local(async move {
        let out = match measurer().await {
            Ok(measure) => measure(&request, &bytes).map_or_else(
                || JsValue::from_str("a malformed request"),
                |numbers| Float64Array::from(&numbers[..]).into(),
            ),
            Err(_) => JsValue::from_str("the tensor module could not be downloaded"),
        };
        let _ = done.call1(&JsValue::NULL, &out);
    });
}
