//! One component per view; `render_view` picks the one the URL asks for.
//!
//! Each view's landing text says what the view is for; the widgets arrive with their issues.

use leptos::prelude::*;

use crate::route::View;

/// The component for `view`.
pub fn render_view(view: View) -> AnyView {
    match view {
        View::Learn => view! { <super::learn::LearnView /> }.into_any(),
        View::Formats => view! { <super::formats::FormatsView /> }.into_any(),
        View::Plots => view! { <Landing view=view intro=PLOTS_INTRO /> }.into_any(),
        View::Memory => view! { <super::memory::MemoryView /> }.into_any(),
        View::Train => view! { <super::train::TrainView /> }.into_any(),
    }
}

const PLOTS_INTRO: &str = "Range and precision, drawn: how far each format reaches before it overflows or flushes to zero, and how the gap between neighbouring values grows with their size.";

/// A view's heading and landing text.
#[component]
fn Landing(
    /// Which view this is.
    view: View,
    /// What the view is for, in a sentence or two.
    intro: &'static str,
) -> impl IntoView {
    view! {
        <section class="landing" aria-labelledby="view-title">
            <h1 id="view-title">{view.title()}</h1>
            <p class="lede">{intro}</p>
        </section>
    }
}
