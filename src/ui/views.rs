//! One part per view (`ui::lazy`); `render_view` shows the one the URL asks for.

use leptos::prelude::*;

use super::lazy::{part, Lazy, Part};
use crate::route::View;

part!(fn learn_view in view_learn { view! { <super::learn::LearnView /> }.into_any() });
part!(fn formats_view in view_formats { view! { <super::formats::FormatsView /> }.into_any() });
part!(fn plots_view in view_plots { view! { <super::plots::PlotsView /> }.into_any() });
part!(fn memory_view in memory { view! { <super::memory::MemoryView /> }.into_any() });
part!(fn train_view in trainer { view! { <super::train::TrainView /> }.into_any() });
part!(fn tensor_view in tensor { view! { <super::tensor::TensorView /> }.into_any() });
part!(fn reference_view in view_embed { view! { <super::reference::ReferenceView /> }.into_any() });

/// The loader of `view`'s part.
fn part_of(view: View) -> Part {
    match view {
        View::Learn => || Box::pin(learn_view()),
        View::Formats => || Box::pin(formats_view()),
        View::Plots => || Box::pin(plots_view()),
        View::Memory => || Box::pin(memory_view()),
        View::Train => || Box::pin(train_view()),
        View::Tensor => || Box::pin(tensor_view()),
        View::Embed => || Box::pin(reference_view()),
    }
}

/// The component for `view`, downloaded when first shown, under a reactive owner of its own
/// (`Lazy`). Components do not make owners, so without one the contexts a view provides (the
/// editor, the plots' inputs, the theme, an inlined widget's local state) would stay on the
/// shell's owner after the view is gone, holding disposed signals, and the next view to look one
/// up would panic.
pub fn render_view(view: View) -> AnyView {
    let what = match view {
        View::Learn => "the article",
        View::Formats => "the Formats view",
        View::Plots => "the Range & precision view",
        View::Memory => "the Memory view",
        View::Train => "the Trainer",
        View::Tensor => "the tensor view",
        View::Embed => "the widget reference",
    };
    view! { <Lazy part=part_of(view) what=what placeholder_class="view-placeholder" on_shown=super::mark_ready /> }
        .into_any()
}
