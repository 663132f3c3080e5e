//! Work that can wait until the browser has painted: [`AfterPaint`], one callback that runs in the
//! first task after the next paint, and [`after_paint`], a read-only copy of a reactive value that
//! catches up with it then.
//!
//! Why: a bit click's readouts should reach the screen in the click's frame. Two things that are
//! not readouts cost more than all of them together: the Formats view's side plots (drawn from an
//! [`after_paint`] copy of the URL state) and the browser's history bookkeeping for the new
//! address (`ui::url` writes it with an [`AfterPaint`]). Both run once the frame is painted, once
//! for any number of edits within it. The copy is written by a browser callback, never by an
//! effect: the only effect here schedules that callback (it talks to the outside world, the
//! browser's timers), so this is not one signal copied into another.
//!
//! Invariant: no callback outlives the component that asked for it. [`after_paint`] cancels its
//! pending frame or timer when its owner is cleaned up, and the callbacks only use the `try_`
//! accessors, so a view that unmounts with a redraw pending neither redraws nor panics.

use std::time::Duration;

use leptos::prelude::*;

/// What is waiting: first the animation frame (just before the change is painted), then a task
/// queued from it (just after that paint).
#[derive(Clone, Copy)]
enum Pending {
    Frame(AnimationFrameRequestHandle),
    Task(TimeoutHandle),
}

impl Pending {
    fn cancel(self) {
        match self {
            Pending::Frame(handle) => handle.cancel(),
            Pending::Task(handle) => handle.clear(),
        }
    }
}

/// At most one callback waiting to run in the first task after the next paint. Asking again while
/// one waits keeps the one that waits, so callbacks should read the latest state when they run.
#[derive(Clone, Copy)]
pub struct AfterPaint {
    pending: StoredValue<Option<Pending>>,
}

impl Default for AfterPaint {
    fn default() -> AfterPaint {
        AfterPaint::new()
    }
}

impl AfterPaint {
    /// Nothing waiting; owned by the current reactive owner.
    pub fn new() -> AfterPaint {
        AfterPaint {
            pending: StoredValue::new(None),
        }
    }

    /// Runs `run` in the first task after the next paint, unless a callback already waits. If
    /// the browser refuses the frame or the timer, `run` runs at once.
    pub fn schedule(&self, run: impl Fn() + Clone + 'static) {
        let pending = self.pending;
        if pending.try_with_value(Option::is_some) != Some(false) {
            return; // one waits already, or the owner is gone
        }
        let done = {
            let run = run.clone();
            move || {
                // `Some` back means the owner is gone (cleanup cancels first: belt and braces).
                if pending.try_set_value(None).is_none() {
                    run();
                }
            }
        };
        let in_frame = done.clone();
        let frame = request_animation_frame_with_handle(move || {
            // Queued from the frame callback, the task runs after this frame is painted.
            match set_timeout_with_handle(in_frame.clone(), Duration::ZERO) {
                Ok(task) => {
                    pending.try_set_value(Some(Pending::Task(task)));
                }
                Err(_) => in_frame(),
            }
        });
        match frame {
            Ok(frame) => {
                pending.try_set_value(Some(Pending::Frame(frame)));
            }
            Err(_) => run(),
        }
    }

    /// Drops the waiting callback, if any; says whether there was one.
    pub fn cancel(&self) -> bool {
        match self.pending.try_update_value(Option::take) {
            Some(Some(waiting)) => {
                waiting.cancel();
                true
            }
            _ => false,
        }
    }
}

/// A copy of `source` (read reactively) that takes `source`'s value in the first task after the
/// next paint. It starts equal to `source`; changes while a catch-up is pending are coalesced into
/// that one catch-up, which reads `source` when it runs, so the copy always ends on the latest
/// value. While the page is hidden, animation frames pause and so does the copy. The pending
/// catch-up is cancelled when the current owner is cleaned up.
pub fn after_paint<T>(source: impl Fn() -> T + Send + Sync + 'static) -> Signal<T>
where
    T: PartialEq + Send + Sync + 'static,
{
    let source = std::sync::Arc::new(source);
    let copy = RwSignal::new(untrack(|| source()));
    let later = AfterPaint::new();
    let catch_up = {
        let source = std::sync::Arc::clone(&source);
        move || {
            let now = untrack(|| source());
            if copy.try_with_untracked(|c| *c != now) == Some(true) {
                copy.try_set(now);
            }
        }
    };
    Effect::watch(
        move || source(),
        move |_, _, _| later.schedule(catch_up.clone()),
        false,
    );
    on_cleanup(move || {
        later.cancel();
    });
    copy.into()
}
