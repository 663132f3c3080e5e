//! One component per view; `render_view` picks the one the URL asks for.

use leptos::prelude::*;
use leptos::tachys::reactive_graph::OwnedView;

use crate::route::View;

/// The component for `view`, under a reactive owner of its own. Components do not make owners,
/// so without one the contexts a view provides (the editor, the plots' inputs, the theme, an
/// inlined widget's local state) would stay on the shell's owner after the view is gone, holding
/// disposed signals, and the next view to look one up would panic. The owner lives and dies with
/// the view's DOM.
pub fn render_view(view: View) -> AnyView {
    let owner = Owner::new();
    let rendered = owner.with(|| match view {
        View::Learn => view! { <super::learn::LearnView /> }.into_any(),
        View::Formats => view! { <super::formats::FormatsView /> }.into_any(),
        View::Plots => view! { <super::plots::PlotsView /> }.into_any(),
        View::Memory => view! { <super::memory::MemoryView /> }.into_any(),
        View::Train => view! { <super::train::TrainView /> }.into_any(),
    });
    OwnedView::new_with_owner(rendered, owner).into_any()
}
