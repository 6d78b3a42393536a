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
