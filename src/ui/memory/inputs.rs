//! The Memory view's inputs that depend on the model and the mode: a custom architecture's
//! fields, inference settings and training settings.

use leptos::prelude::*;

use super::{checkbox, number, select, Calc, ErrorSlot, TypedText};
use crate::present::memory as model;

/// The shape of a custom model; its parameter count is computed.
#[component]
pub(super) fn CustomArchitecture(calc: Calc) -> impl IntoView {
    let spec = move || {
        calc.inputs.with(|i| {
            i.model
                .architecture()
                .map(|a| a.spec())
                .unwrap_or_else(|| crate::memory::Preset::Llama3_8b.architecture().spec())
        })
    };
    let positions_shown = move || calc.inputs.with(|i| model::choice_value(i, "positions"));
    let positions_read = move |text: &str| {
        calc.inputs
            .with_untracked(|i| model::with_choice(i, "positions", text))
    };
    view! {
        <div class="mem-custom" data-testid="mem-custom">
            {number(calc, "layers")}
            {number(calc, "hidden")}
            {number(calc, "heads")}
            {number(calc, "kv_heads")}
            {number(calc, "head_dim")}
            {number(calc, "ffn")}
            {number(calc, "vocab")}
            {select(calc, "mlp", "MLP")}
            {select(calc, "bias", "biases")}
            {select(calc, "norm", "norm")}
            <label class="mem-field">
                <span>"positions (rope, or a learned table size)"</span>
                <TypedText calc=calc key="positions" shown=positions_shown read=positions_read inputmode="text" />
                <ErrorSlot calc=calc key="positions" />
            </label>
            <div class="mem-checks">{checkbox(calc, "tied", "tied input and output embeddings")}</div>
            {number(calc, "norms")}
            <div class="mem-checks">{checkbox(calc, "qk_norm", "a norm on each query and key head")}</div>
            {number(calc, "experts")}
            <Show when=move || spec().moe.is_some()>
                {number(calc, "experts_active")}
                {number(calc, "expert_ffn")}
                {number(calc, "shared_ffn")}
                {number(calc, "dense_layers")}
                <div class="mem-checks">
                    {checkbox(calc, "shared_gate", "a gate on the shared expert")}
                    {checkbox(calc, "router_bias", "a routing bias per expert")}
                </div>
            </Show>
            {number(calc, "kv_rank")}
            <Show when=move || spec().latent.is_some()>
                {number(calc, "q_rank")}
                {number(calc, "rope_dim")}
                {number(calc, "nope_dim")}
                {number(calc, "v_dim")}
            </Show>
            {number(calc, "window")}
            <Show when=move || spec().window.is_some()>
                {number(calc, "global_layers")}
            </Show>
        </div>
    }
}

/// Inference settings.
#[component]
pub(super) fn InferenceInputs(calc: Calc) -> impl IntoView {
    let weights = move || calc.inputs.with(|i| i.inference.weights);
    view! {
        {select(calc, "weights", "weight format")}
        <Show when=move || weights().uses_groups()>
            {number(calc, "group")}
        </Show>
        <Show when=move || weights() == crate::memory::WeightFormat::Nf4>
            <div class="mem-checks">{checkbox(calc, "dq", "double quantization (QLoRA)")}</div>
        </Show>
        {select(calc, "kv", "KV-cache format")}
        {number(calc, "context")}
        {number(calc, "batch")}
    }
}

/// Training settings.
#[component]
pub(super) fn TrainingInputs(calc: Calc) -> impl IntoView {
    let moe = move || {
        calc.inputs
            .with(|i| i.model.architecture().is_some_and(|a| a.moe().is_some()))
    };
    let lora = move || {
        calc.inputs
            .with(|i| i.training.finetune != crate::memory::inputs::Finetune::Full)
    };
    view! {
        {select(calc, "recipe", "precision recipe")}
        {select(calc, "optimizer", "optimizer")}
        {select(calc, "grads", "gradient copy")}
        {number(calc, "micro_batch")}
        {number(calc, "seq")}
        {select(calc, "recompute", "activation recomputation")}
        <div class="mem-checks">{checkbox(calc, "dropout", "dropout (its masks are stored)")}</div>
        {number(calc, "tp")}
        {number(calc, "pp")}
        <Show when=moe>
            {number(calc, "ep")}
        </Show>
        <div class="mem-checks">{checkbox(calc, "sp", "sequence parallelism")}</div>
        {select(calc, "zero", "ZeRO stage (over the data-parallel GPUs)")}
        {select(calc, "offload", "offload to CPU memory (ZeRO-Offload)")}
        {select(calc, "finetune", "fine-tuning")}
        <Show when=lora>
            {number(calc, "lora_rank")}
            <fieldset class="mem-targets">
                <legend>"LoRA target matrices"</legend>
                <div class="mem-checks">{lora_targets(calc)}</div>
                <ErrorSlot calc=calc key="lora_targets" />
            </fieldset>
        </Show>
    }
}

/// One checkbox per matrix LoRA can adapt.
fn lora_targets(calc: Calc) -> impl IntoView {
    crate::memory::inputs::LoraMatrix::ALL
        .into_iter()
        .map(|m| {
            let key: &'static str = match m.id() {
                "q" => "lora-q",
                "k" => "lora-k",
                "v" => "lora-v",
                "o" => "lora-o",
                "gate" => "lora-gate",
                "up" => "lora-up",
                _ => "lora-down",
            };
            checkbox(calc, key, m.id())
        })
        .collect_view()
}
