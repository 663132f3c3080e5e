//! The URL query: which view, and what happens with unknown or hostile parameters.

use precision_lab::route::{Query, View, MAX_VALUE_LEN};

#[track_caller]
fn check_view(search: &str, want: View, notice: bool) {
    let (query, _) = Query::parse(search);
    let (view, got_notice) = query.view();
    assert_eq!(view, want, "view for {search:?}");
    assert_eq!(
        got_notice.is_some(),
        notice,
        "notice for {search:?}: {got_notice:?}"
    );
}

#[test]
fn every_view_has_a_url_and_unknown_views_fall_back_with_a_notice() {
    check_view("", View::DEFAULT, false);
    check_view("?", View::DEFAULT, false);
    check_view("?view=learn", View::Learn, false);
    check_view("?view=formats", View::Formats, false);
    check_view("view=plots", View::Plots, false);
    check_view("?view=memory&model=gpt2", View::Memory, false);
    check_view("?view=train", View::Train, false);
    check_view("?view=TRAIN", View::DEFAULT, true);
    check_view("?view=%3Cscript%3E", View::DEFAULT, true);
    check_view("?view=", View::DEFAULT, false);
    assert_eq!(View::DEFAULT, View::Learn);
    assert_eq!(
        View::ALL[0],
        View::Learn,
        "the landing page comes first in the navigation"
    );
    assert_eq!(View::ALL.len(), 6);
    for view in View::ALL {
        assert_eq!(View::from_slug(view.slug()), Some(view));
    }
}

#[test]
fn notices_quote_the_bad_value_as_text_and_shorten_it() {
    let long = "x".repeat(500);
    let (query, _) = Query::parse(&format!("?view={long}"));
    let notice = query.view().1.expect("a notice");
    assert!(notice.0.chars().count() < 120, "{notice}");
    assert!(notice.0.contains('\u{2026}'));
}

#[test]
fn over_long_values_are_dropped_with_a_notice() {
    let huge = "a".repeat(MAX_VALUE_LEN + 1);
    let (query, notices) = Query::parse(&format!("?view=memory&params={huge}&x=1"));
    assert_eq!(query.get("params"), None);
    assert_eq!(query.get("view"), Some("memory"));
    assert_eq!(query.get("x"), Some("1"));
    assert_eq!(notices.len(), 1);
    assert!(notices[0].0.contains("params"));
}

#[test]
fn queries_round_trip_through_the_address_bar_encoding() {
    let mut query = Query::from_pairs([("view", "formats"), ("value", "1/3 + <b>&")]);
    query.set("format", "e4m3fn");
    query.set("value", "-3.5e-4");
    let search = query.to_search();
    assert_eq!(search, "?view=formats&value=-3.5e-4&format=e4m3fn");
    let (back, notices) = Query::parse(&search);
    assert_eq!(back, query);
    assert!(notices.is_empty());
    let odd = Query::from_pairs([("v", "a b&c=d%e\u{e9}")]);
    assert_eq!(Query::parse(&odd.to_search()).0, odd);
    assert_eq!(Query::default().to_search(), "");
}

#[test]
fn set_replaces_duplicates_and_remove_drops_them() {
    let (mut query, _) = Query::parse("?a=1&b=2&a=3");
    query.set("a", "9");
    assert_eq!(
        query.pairs(),
        &[("a".into(), "9".into()), ("b".into(), "2".into())]
    );
    query.remove("b");
    assert_eq!(query.to_search(), "?a=9");
}

#[test]
fn malformed_escapes_never_fail() {
    for search in ["?%", "?%zz=%", "?a=%ff%fe", "?&&&=&", "?view=%E2%82"] {
        let (query, _) = Query::parse(search);
        let _ = query.view();
        let _ = query.to_search();
    }
}

#[test]
fn embeds_name_a_widget_and_link_back_to_the_full_view() {
    use precision_lab::route::{ThemeChoice, Widget};
    let (query, _) = Query::parse("?embed=editor&format=bf16&bits=0x3f80&theme=dark");
    assert_eq!(query.embed(), Some(Ok(Widget::Editor)));
    assert_eq!(query.theme(), ThemeChoice::Dark);
    assert_eq!(
        query.open_in_full(Widget::Editor).to_search(),
        "?view=formats&format=bf16&bits=0x3f80"
    );
    let (plain, _) = Query::parse("?view=plots&format=fp16&compare=fp16,bf16");
    assert_eq!(plain.embed(), None);
    assert_eq!(
        plain.embed_of(Widget::Range).to_search(),
        "?embed=range&format=fp16&compare=fp16%2Cbf16"
    );
    let (bad, _) = Query::parse("?embed=%3Cscript%3E");
    let notice = bad.embed().expect("an embed").expect_err("not a widget");
    assert!(
        notice.0.contains("<script>") && notice.0.contains("editor, same-value"),
        "{notice}"
    );
    for widget in Widget::ALL {
        assert_eq!(Widget::from_slug(widget.slug()), Some(widget));
        assert!(Widget::of_view(widget.view()).contains(&widget));
    }
    assert_eq!(Query::parse("?theme=%22").0.theme(), ThemeChoice::Auto);
}
