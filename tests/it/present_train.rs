//! The Trainer view's model: URL state (hostile values fall back with notices), scenarios, slice
//! pacing, throughput, and a session that trains.

use precision_lab::present::train::{
    hidden_text, parse_hidden, parse_policies, progress_text, OptimizerKind, Scenario, Session,
    SliceSizer, Throughput, TrainState, HARD_SHIFT, MAX_RUNS,
};
use precision_lab::route::Query;
use precision_lab::train::{Activation, DatasetKind, Policy, Stopped};

fn parse(search: &str) -> (TrainState, Vec<String>) {
    let (query, _) = Query::parse(search);
    let (state, notices) = TrainState::from_query(&query);
    (state, notices.into_iter().map(|n| n.0).collect())
}

#[track_caller]
fn check_rejected(search: &str, key: &str) {
    let (state, notices) = parse(search);
    assert_eq!(
        state,
        TrainState::default(),
        "{search} should fall back to the defaults"
    );
    assert_eq!(notices.len(), 1, "{search}: {notices:?}");
    assert!(
        notices[0].starts_with(&format!("Ignored {key}=")),
        "{search}: {notices:?}"
    );
}

#[test]
fn the_bare_view_is_the_default_state_without_notices() {
    let (state, notices) = parse("?view=train");
    assert_eq!(state, TrainState::default());
    assert!(notices.is_empty());
    let names: Vec<_> = state.policies.iter().map(|p| p.name()).collect();
    assert_eq!(names, ["fp32", "fp16-pure", "fp16-amp", "bf16-mixed"]);
    // Writing the default state adds nothing to the link.
    let mut q = Query::from_pairs([("view", "train")]);
    state.write(&mut q);
    assert_eq!(q.to_search(), "?view=train");
}

#[test]
fn every_field_reads_from_the_url_and_round_trips() {
    let search = "?view=train&data=spirals&noise=0.25&seed=42&hidden=32,8,4&act=relu&opt=adam&lr=0.003&batch=64&policies=fp8,fp32&hard=12&wscale=2.5&interval=50";
    let (state, notices) = parse(search);
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(state.dataset, DatasetKind::Spirals);
    assert_eq!(state.noise, 0.25);
    assert_eq!(state.seed, 42);
    assert_eq!(state.hidden, [32, 8, 4]);
    assert_eq!(state.activation, Activation::Relu);
    assert_eq!(state.optimizer, OptimizerKind::Adam);
    assert_eq!(state.lr, 0.003);
    assert_eq!(state.batch, 64);
    assert_eq!(
        state.policies.iter().map(|p| p.name()).collect::<Vec<_>>(),
        ["fp8", "fp32"]
    );
    assert_eq!(state.hard, 12);
    assert_eq!(state.weight_scale, 2.5);
    assert_eq!(state.interval, 50);
    let mut q = Query::from_pairs([("view", "train")]);
    state.write(&mut q);
    let (again, notices) = parse(&q.to_search());
    assert!(notices.is_empty());
    assert_eq!(again, state);
    // The AMP run gets the chosen growth interval; the loss follows the dataset.
    let amp = state.run_config(Policy::from_name("fp16-amp").unwrap());
    match amp.policy {
        Policy::Fp16Amp(s) => assert_eq!(s.growth_interval, 50),
        other => panic!("{other:?}"),
    }
    assert_eq!(amp.loss_shift, 12);
    assert_eq!(amp.weight_scale, 2.5);
}

#[test]
fn hostile_values_fall_back_to_defaults_with_a_notice() {
    for (search, key) in [
        ("?data=mnist", "data"),
        ("?data=%3Cscript%3E", "data"),
        ("?noise=0.9", "noise"),
        ("?noise=NaN", "noise"),
        ("?noise=-0.1", "noise"),
        ("?seed=-1", "seed"),
        ("?seed=99999999999999999999999", "seed"),
        ("?hidden=65", "hidden"),
        ("?hidden=8,8,8,8,8", "hidden"),
        ("?hidden=0,4", "hidden"),
        ("?hidden=abc", "hidden"),
        ("?act=sigmoid", "act"),
        ("?opt=lbfgs", "opt"),
        ("?lr=0", "lr"),
        ("?lr=inf", "lr"),
        ("?lr=1e9", "lr"),
        ("?lr=-0.1", "lr"),
        ("?batch=0", "batch"),
        ("?batch=100000", "batch"),
        ("?batch=3.5", "batch"),
        ("?policies=fp64", "policies"),
        ("?policies=fp32,fp32", "policies"),
        (
            "?policies=fp32,fp16-pure,fp16-master,fp16-amp,bf16-mixed",
            "policies",
        ),
        ("?policies=,,", "policies"),
        ("?hard=61", "hard"),
        ("?hard=-3", "hard"),
        ("?wscale=0", "wscale"),
        ("?wscale=1e30", "wscale"),
        ("?interval=0", "interval"),
        ("?interval=4294967296", "interval"),
    ] {
        check_rejected(search, key);
    }
    // Several bad values: one notice each, the good ones kept.
    let (state, notices) = parse("?data=nope&lr=0.5&batch=-2");
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert_eq!(state.lr, 0.5);
    // Long hostile text is shortened in the notice.
    let (_, notices) = parse(&format!("?act={}", "x".repeat(500)));
    assert!(notices[0].chars().count() < 120, "{}", notices[0]);
}

#[test]
fn empty_values_and_case_are_forgiven() {
    let (state, notices) = parse("?data=&lr=&policies=FP32,%20BF16-mixed&act=GELU&hidden=none");
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(state.dataset, DatasetKind::Circles);
    assert_eq!(state.policies, [Policy::Fp32, Policy::Bf16Mixed]);
    assert_eq!(state.activation, Activation::Gelu);
    assert!(state.hidden.is_empty());
}

#[test]
fn hidden_and_policy_lists() {
    assert_eq!(parse_hidden("16, 16").unwrap(), [16, 16]);
    assert_eq!(parse_hidden("8x8").unwrap(), [8, 8]);
    assert_eq!(parse_hidden("64 64 64 64").unwrap(), [64, 64, 64, 64]);
    assert_eq!(hidden_text(&[]), "none");
    assert_eq!(hidden_text(&[4, 2]), "4,2");
    assert!(parse_policies("fp8, fp16-amp").is_ok());
    assert!(parse_policies("").is_err());
    let all: Vec<_> = Policy::defaults().iter().map(|p| p.name()).collect();
    assert_eq!(
        parse_policies(&all[..MAX_RUNS].join(",")).unwrap().len(),
        MAX_RUNS
    );
}

#[test]
fn scenarios_are_valid_states_that_recognise_themselves() {
    for scenario in Scenario::ALL {
        let state = scenario.state();
        assert_eq!(state.scenario(), Some(scenario));
        Session::new(&state).expect("every scenario runs");
        let mut q = Query::default();
        state.write(&mut q);
        assert_eq!(parse(&q.to_search()), (state, vec![]));
    }
    assert_eq!(Scenario::Underflow.state().hard, HARD_SHIFT);
}

#[test]
fn slice_sizer_aims_at_ten_milliseconds_without_swinging() {
    let mut sizer = SliceSizer::new();
    assert_eq!(sizer.steps(), 1);
    // Fast steps: it doubles each slice, no more.
    sizer.record(1, 0.1);
    assert_eq!(sizer.steps(), 2);
    sizer.record(2, 0.2);
    assert_eq!(sizer.steps(), 4);
    for _ in 0..20 {
        let k = sizer.steps();
        sizer.record(k, f64::from(k) * 0.1);
    }
    // 0.1 ms a step: 100 steps make 10 ms.
    assert_eq!(sizer.steps(), 100);
    // A long pause halves it, no more.
    sizer.record(100, 500.0);
    assert_eq!(sizer.steps(), 50);
    // A clock that reads 0 grows it, capped.
    for _ in 0..40 {
        let k = sizer.steps();
        sizer.record(k, 0.0);
    }
    assert_eq!(sizer.steps(), SliceSizer::MAX_STEPS);
    // Slow steps: never below one.
    for _ in 0..40 {
        let k = sizer.steps();
        sizer.record(k, f64::from(k) * 50.0);
    }
    assert_eq!(sizer.steps(), 1);
    sizer.record(1, f64::NAN);
    assert!(sizer.steps() >= 1);
}

#[test]
fn throughput_is_steps_per_second_over_a_window() {
    let mut t = Throughput::default();
    assert_eq!(t.per_second(), None);
    t.record(0.0, 0);
    assert_eq!(t.per_second(), None);
    for i in 1..=30u32 {
        t.record(f64::from(i) * 100.0, u64::from(i) * 50);
    }
    // 50 steps every 100 ms.
    let rate = t.per_second().unwrap();
    assert!((rate - 500.0).abs() < 1e-9, "{rate}");
    t.clear();
    assert_eq!(t.per_second(), None);
    assert_eq!(
        progress_text(1200, 2000, Some(2000.0), 4, true),
        "step 1200 of 2000 · 500 steps/s per run · training"
    );
    assert_eq!(
        progress_text(0, 2000, None, 4, false),
        "step 0 of 2000 · paused"
    );
    assert_eq!(
        progress_text(2000, 2000, None, 4, false),
        "step 2000 of 2000 · finished"
    );
}

#[test]
fn a_session_trains_every_run_and_the_hard_scenario_separates_pure_fp16_from_amp() {
    let mut session = Session::new(&Scenario::Underflow.state()).unwrap();
    assert_eq!(session.backend().name(), "cpu");
    assert_eq!(session.lanes().len(), 4);
    let before = session.summaries();
    assert!(before.iter().all(|s| s.loss.is_none() && s.steps == 0));
    let mut taken = 0;
    while session.steps() < 400 {
        taken += session.slice(50);
    }
    assert_eq!(taken, 4 * 400);
    assert_eq!(session.total_steps(), 1600);
    let summaries = session.summaries();
    let eval = |i: usize| session.lanes()[i].run.evaluate().loss;
    let (fp32, pure, amp) = (eval(0), eval(1), eval(2));
    assert_eq!(summaries[1].policy, "fp16-pure");
    assert!(
        summaries[1].flushed > 0.5,
        "pure fp16 flushes: {}",
        summaries[1].flushed
    );
    // AMP's scale (2^16 against the knob's 2^-20) keeps most logit gradients in range; only those of
    // points it already classifies with near certainty still flush.
    assert!(
        summaries[2].flushed < summaries[1].flushed - 0.3,
        "AMP flushes far fewer: {} vs {}",
        summaries[2].flushed,
        summaries[1].flushed
    );
    assert!(
        pure > 0.4 && fp32 < 0.1 && amp < 0.1,
        "fp32 {fp32} pure {pure} amp {amp}"
    );
    assert!(session.lanes()[1].histogram.total() > 0);
    assert!(summaries[2].detail_text().contains("loss scale 2^16"));
    assert!(session.lanes()[0].decision_grid(8).is_some());
}

#[test]
fn a_diverging_run_stops_with_an_explanation() {
    // Adam in pure fp16: eps = 1e-8 rounds to 0 and the second moment underflows, so an update is
    // m / 0 = Inf. The run stops; the fp32 run goes on.
    let state = TrainState {
        optimizer: OptimizerKind::Adam,
        lr: 0.01,
        policies: vec![Policy::PureFp16, Policy::Fp32],
        ..TrainState::default()
    };
    let mut session = Session::new(&state).unwrap();
    for _ in 0..50 {
        session.slice(20);
    }
    let s = session.summaries();
    assert!(s[0].diverged(), "{:?}", s[0].stopped);
    let text = s[0].stopped_text().unwrap();
    assert!(text.starts_with("Diverged at step"), "{text}");
    assert!(matches!(s[0].stopped, Some(Stopped::Diverged { .. })));
    assert!(s[1].stopped.is_none() && s[1].steps == 1000);
    assert!(session.is_running());
}
