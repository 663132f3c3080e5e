//! Sentences for what only some budgets have: a mixture of experts' active parameters, and the
//! host memory ZeRO-Offload uses.

use super::both;
use crate::memory::units::group_thousands;
use crate::memory::{Inputs, Report, UnitLead};

/// What ZeRO-Offload keeps in host memory, in a sentence; `None` when nothing is offloaded.
pub fn host_sentence(report: &Report, lead: UnitLead) -> Option<String> {
    if report.host.is_empty() {
        return None;
    }
    Some(format!(
        "In CPU memory: {} for each GPU's process, {} for all {} together. The GPU figures above \
         leave it out; the host needs it on top of what the framework itself uses.",
        both(report.host_per_device, lead),
        both(report.host_total, lead),
        report.devices
    ))
}

/// The host-memory lines: (id, label, exact bytes, formula).
pub fn host_rows(report: &Report, lead: UnitLead) -> Vec<(&'static str, String, String)> {
    report
        .host
        .iter()
        .map(|t| {
            (
                t.id,
                t.per_device.get().to_string(),
                format!(
                    "{}: {} = {}",
                    t.label,
                    t.expression,
                    both(t.per_device, lead)
                ),
            )
        })
        .collect()
}

/// For a mixture of experts, the parameters a token uses beside the total, in a sentence; `None`
/// for a dense model.
pub fn active_sentence(report: &Report, inputs: &Inputs) -> Option<String> {
    let active = report.n_active?;
    let moe = inputs.model.architecture()?.moe()?;
    Some(format!(
        "Active per token: {} of the {} parameters ({} of {} experts in each MoE layer{}). Every \
         expert's weights stay in memory; the active count sets the compute per token and the \
         width of the activations.",
        group_thousands(active),
        group_thousands(report.n_params),
        moe.active,
        moe.experts,
        if moe.shared_ffn > 0 {
            ", plus the shared expert"
        } else {
            ""
        }
    ))
}
