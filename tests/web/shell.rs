//! The app shell as a component: views from the URL, navigation, the crash banner.

use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use super::{container, find, set_search, settle};

#[wasm_bindgen_test]
async fn nav_lists_the_six_views_and_clicking_one_shows_it() {
    set_search("?view=plots");
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), precision_lab::ui::App);
    settle().await;
    let links = root.query_selector_all(".site-nav a").expect("selector");
    assert_eq!(links.length(), 6);
    assert_eq!(
        find(&root, "main").get_attribute("data-view").as_deref(),
        Some("plots")
    );
    assert_eq!(
        find(&root, "main h1").text_content().as_deref(),
        Some("Range & precision")
    );

    find(&root, "[data-testid=nav-memory]").click();
    settle().await;
    assert_eq!(
        find(&root, "main").get_attribute("data-view").as_deref(),
        Some("memory")
    );
    assert_eq!(
        find(&root, "[data-testid=nav-memory]")
            .get_attribute("aria-current")
            .as_deref(),
        Some("page")
    );
    assert_eq!(
        find(&root, "[data-testid=nav-plots]").get_attribute("aria-current"),
        None
    );
    let search = window().location().search().expect("search");
    assert_eq!(search, "?view=memory");
    drop(handle);
}

#[wasm_bindgen_test]
async fn unknown_view_shows_the_default_and_a_notice() {
    set_search("?view=bogus");
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), precision_lab::ui::App);
    settle().await;
    assert_eq!(
        find(&root, "main").get_attribute("data-view").as_deref(),
        Some("learn")
    );
    let notice = find(&root, "[data-testid=url-notice]")
        .text_content()
        .unwrap_or_default();
    assert!(notice.contains("bogus"), "{notice}");
    drop(handle);
}
