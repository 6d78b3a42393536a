//! Lists stay bounded whatever is stored: pages by count and by bytes,
//! filters by number.

use std::collections::HashSet;

use clusterdb::{ListOptions, MAX_FILTERS, MAX_PAGE_BYTES, MAX_TAG_VALUE_LEN, MAX_TAGS};

use crate::support::{fleet, quiet_db};

#[tokio::test]
async fn too_many_filters_are_refused() {
    let db = quiet_db().await;
    let mut options = ListOptions::default();
    for i in 0..=MAX_FILTERS {
        options = options.tag(&format!("k{i}"), "v");
    }
    let err = db.fleets().list(&options).await.unwrap_err();
    assert_eq!(
        err.field_violation(),
        Some(("filter", format!("at most {MAX_FILTERS} filters").as_str()))
    );
}

/// Pages every list of `options` to the end; checks each page's size.
async fn all_pages(db: &clusterdb::ClusterDb, options: ListOptions) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut options = options.page_size(1000);
    loop {
        let page = db.fleets().list(&options).await.unwrap();
        pages += 1;
        // A page stops once it reaches the byte bound: everything before
        // its last item is below it (tag bytes undercount stored bytes).
        let size = |f: &clusterdb::Fleet| -> usize {
            f.meta.tags.iter().map(|(k, v)| k.len() + v.len()).sum()
        };
        let total: usize = page.items.iter().map(size).sum();
        let last = page.items.last().map(size).unwrap_or(0);
        assert!(
            total - last < MAX_PAGE_BYTES,
            "a page of {} items",
            page.items.len()
        );
        ids.extend(page.items.iter().map(|f| f.id().to_string()));
        match page.next_page_token {
            Some(token) => options = options.page_token(token),
            None => return (ids, pages),
        }
    }
}

#[tokio::test]
async fn pages_of_large_resources_stop_at_the_byte_bound() {
    let db = quiet_db().await;
    // Each fleet is about 14 KB stored: 50 tags of 256 characters.
    let count = MAX_PAGE_BYTES / (MAX_TAGS * MAX_TAG_VALUE_LEN) + 40;
    let mut created = Vec::new();
    for i in 0..count {
        let mut draft = fleet(&format!("big-{i}"), 1).tag("bulk", "yes");
        for t in 0..MAX_TAGS - 1 {
            draft = draft.tag(format!("t{t}"), "x".repeat(MAX_TAG_VALUE_LEN));
        }
        created.push(db.fleets().create(draft).await.unwrap().id().to_string());
    }
    for options in [
        ListOptions::default(),
        ListOptions::default().tag("bulk", "yes"),
    ] {
        let (ids, pages) = all_pages(&db, options.clone()).await;
        assert!(
            pages >= 2,
            "{options:?}: one page of {} large items",
            ids.len()
        );
        assert_eq!(ids, created, "{options:?}: every item once, in order");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), count);
    }
}

/// A filtered list reads at most 10,000 index entries per page: when they
/// hold no match, the page is short (even empty) but carries a token, and
/// paging on finds every match exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_list_that_scans_its_limit_returns_a_short_page_and_a_token() {
    let db = quiet_db().await;
    const SCANNED_PER_PAGE: usize = 10_000;
    let count = SCANNED_PER_PAGE + 50;
    // Created concurrently, in a few tasks, to keep the test quick; the
    // rare one last, alone, so it is the newest whatever the scheduling.
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                for i in (t..count - 1).step_by(8) {
                    let draft = fleet(&format!("f{i}"), 1).tag("bulk", "yes");
                    db.fleets().create(draft).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let last = fleet(&format!("f{}", count - 1), 1)
        .tag("bulk", "yes")
        .tag("rare", "yes");
    db.fleets().create(last).await.unwrap();
    let rare = db
        .fleets()
        .get_by_name(&format!("f{}", count - 1))
        .await
        .unwrap();
    let mut options = ListOptions::default()
        .tag("bulk", "yes")
        .tag("rare", "yes")
        .page_size(10);
    let first = db.fleets().list(&options).await.unwrap();
    let ids = |page: &clusterdb::ListPage<clusterdb::Fleet>| -> Vec<String> {
        page.items.iter().map(|f| f.id().to_string()).collect()
    };
    // Ids sort by creation, and the rare one was created last: past the
    // first page's scan limit. That page is empty, and
    // says where to go on.
    assert!(first.items.is_empty(), "{} items", first.items.len());
    assert!(
        first.next_page_token.is_some(),
        "an empty short page carries a token"
    );
    let mut found = Vec::new();
    let mut token = first.next_page_token.clone();
    let mut pages = 1;
    while let Some(t) = token {
        options = options.page_token(t);
        let page = db.fleets().list(&options).await.unwrap();
        found.extend(ids(&page));
        token = page.next_page_token;
        pages += 1;
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(found, vec![rare.id().to_string()]);
}
