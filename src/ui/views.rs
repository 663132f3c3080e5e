//! One component per view; `render_view` picks the one the URL asks for.

use leptos::prelude::*;

use crate::route::View;

/// The component for `view`.
pub fn render_view(view: View) -> AnyView {
    match view {
        View::Learn => view! { <super::learn::LearnView /> }.into_any(),
        View::Formats => view! { <super::formats::FormatsView /> }.into_any(),
        View::Plots => view! { <super::plots::PlotsView /> }.into_any(),
        View::Memory => view! { <super::memory::MemoryView /> }.into_any(),
        View::Train => view! { <super::train::TrainView /> }.into_any(),
    }
}
