//! The generic resource machinery, exercised through fleets.

use clusterdb::{Error, ErrorCode, FleetState, ListOptions};

use crate::support::{fleet, quiet_db};

#[tokio::test]
async fn create_get_update_delete() {
    let db = quiet_db().await;
    let fleets = db.fleets();
    let created = fleets
        .create(fleet("web-fleet", 3).tag("environment", "production"))
        .await
        .unwrap();
    assert!(created.id().starts_with("fleet-"));
    assert_eq!(created.name(), "web-fleet");
    assert_eq!(created.spec.capacity, 3);
    assert_eq!(created.status.state, FleetState::Active);
    assert_eq!(created.meta.created_at, created.meta.updated_at);
    assert_eq!(created.meta.tags["environment"], "production");
    assert!(created.resource_version() > 0);

    assert_eq!(fleets.get(created.id()).await.unwrap(), created);
    assert_eq!(fleets.get_by_name("web-fleet").await.unwrap(), created);

    let mut draft = fleet("web-fleet-2", 5);
    draft.spec.description = "bigger".into();
    let updated = fleets.update(created.id(), draft, None).await.unwrap();
    assert_eq!(updated.spec.capacity, 5);
    assert_eq!(updated.name(), "web-fleet-2");
    assert!(updated.meta.tags.is_empty());
    assert!(updated.resource_version() > created.resource_version());
    assert_eq!(updated.meta.created_at, created.meta.created_at);
    // The old name is free again, the new one resolves.
    assert_eq!(
        fleets.get_by_name("web-fleet").await.unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        fleets.get_by_name("web-fleet-2").await.unwrap().id(),
        created.id()
    );
    fleets.create(fleet("web-fleet", 1)).await.unwrap();

    // Fleets finish deleting in the reconciler (off here): marked deleting.
    let deleting = fleets.delete(created.id(), None).await.unwrap();
    assert_eq!(deleting.status.state, FleetState::Deleting);
    let err = fleets
        .update(created.id(), fleet("web-fleet-2", 1), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FailedPrecondition);
    // Deleting again changes nothing.
    let again = fleets.delete(created.id(), None).await.unwrap();
    assert_eq!(again.resource_version(), deleting.resource_version());
}

#[tokio::test]
async fn names_are_unique_per_kind() {
    let db = quiet_db().await;
    db.fleets().create(fleet("web", 1)).await.unwrap();
    let err = db.fleets().create(fleet("web", 2)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    assert_eq!(
        err,
        Error::AlreadyExists {
            kind: "fleet",
            name: "web".into()
        }
    );
    // Another kind may use the name.
    let instance = clusterdb::Draft::new(
        "web",
        clusterdb::InstanceSpec {
            instance_type: "t3.micro".into(),
        },
    );
    db.instances().create(instance).await.unwrap();
    // Renaming onto a taken name fails and changes nothing.
    let other = db.fleets().create(fleet("api", 1)).await.unwrap();
    let err = db
        .fleets()
        .update(other.id(), fleet("web", 1), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    assert_eq!(db.fleets().get(other.id()).await.unwrap(), other);
}

#[tokio::test]
async fn invalid_input_is_refused_and_nothing_is_written() {
    let db = quiet_db().await;
    let err = db.fleets().create(fleet("web", 0)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    assert_eq!(err.message(), "Invalid fleet configuration");
    assert_eq!(
        err.field_violation(),
        Some(("capacity", "must be greater than 0"))
    );
    let err = db.fleets().create(fleet("bad name", 1)).await.unwrap_err();
    assert_eq!(err.field_violation().unwrap().0, "name");
    let err = db
        .fleets()
        .create(fleet("web", 1).tag("env", "x".repeat(300)))
        .await
        .unwrap_err();
    assert_eq!(
        err.field_violation(),
        Some(("tags.env", "must be at most 256 characters"))
    );
    assert!(db.events().list(0, 100).await.unwrap().is_empty());
    assert!(
        db.fleets()
            .list(&ListOptions::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn missing_resources_are_not_found() {
    let db = quiet_db().await;
    for result in [
        db.fleets().get("fleet-nope").await.map(|_| ()),
        db.fleets()
            .update("fleet-nope", fleet("x", 1), None)
            .await
            .map(|_| ()),
        db.fleets().delete("fleet-nope", None).await.map(|_| ()),
        db.fleets().get("../o/fleet/x").await.map(|_| ()),
    ] {
        assert_eq!(result.unwrap_err().code(), ErrorCode::NotFound);
    }
}

#[tokio::test]
async fn expected_versions_detect_conflicts() {
    let db = quiet_db().await;
    let fleets = db.fleets();
    let v1 = fleets.create(fleet("web", 1)).await.unwrap();
    let v2 = fleets
        .update(v1.id(), fleet("web", 2), Some(v1.resource_version()))
        .await
        .unwrap();
    let err = fleets
        .update(v1.id(), fleet("web", 3), Some(v1.resource_version()))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Conflict {
            kind: "fleet",
            id: v1.id().into(),
            expected: v1.resource_version(),
            actual: v2.resource_version(),
        }
    );
    assert_eq!(err.code(), ErrorCode::Conflict);
    let err = fleets
        .delete(v1.id(), Some(v1.resource_version()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(fleets.get(v1.id()).await.unwrap().spec.capacity, 2);
}

#[tokio::test]
async fn an_unchanged_update_writes_nothing() {
    let db = quiet_db().await;
    let created = db.fleets().create(fleet("web", 1)).await.unwrap();
    let same = db
        .fleets()
        .update(created.id(), fleet("web", 1), None)
        .await
        .unwrap();
    assert_eq!(same, created);
    assert_eq!(db.fleets().get(created.id()).await.unwrap(), created);
    assert_eq!(db.events().list(0, 100).await.unwrap().len(), 1);
}

#[tokio::test]
async fn list_pages_in_creation_order() {
    let db = quiet_db().await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(
            db.fleets()
                .create(fleet(&format!("f{i}"), 1))
                .await
                .unwrap()
                .meta
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut options = ListOptions::default().page_size(10);
    let mut pages = 0;
    loop {
        let page = db.fleets().list(&options).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|f| f.meta.id.clone()));
        match page.next_page_token {
            Some(token) => options = options.page_token(token),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let all = db.fleets().list(&ListOptions::default()).await.unwrap();
    assert_eq!(all.items.len(), 25);
    assert!(all.next_page_token.is_none());
    // Other kinds are not listed.
    assert!(
        db.instances()
            .list(&ListOptions::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn tag_filters_use_the_index_and_follow_updates() {
    let db = quiet_db().await;
    let mut prod = Vec::new();
    for i in 0..30 {
        let env = if i % 3 == 0 { "production" } else { "staging" };
        let tier = if i % 2 == 0 { "web" } else { "db" };
        let f = db
            .fleets()
            .create(
                fleet(&format!("f{i}"), 1)
                    .tag("environment", env)
                    .tag("tier", tier),
            )
            .await
            .unwrap();
        if env == "production" {
            prod.push(f);
        }
    }
    let mut seen = Vec::new();
    let mut options = ListOptions::default()
        .tag("environment", "production")
        .page_size(4);
    loop {
        let page = db.fleets().list(&options).await.unwrap();
        assert!(page.items.len() <= 4);
        seen.extend(page.items.iter().map(|f| f.meta.id.clone()));
        match page.next_page_token {
            Some(token) => options = options.page_token(token),
            None => break,
        }
    }
    assert_eq!(
        seen,
        prod.iter().map(|f| f.meta.id.clone()).collect::<Vec<_>>()
    );

    // Two filters: production AND web = i in {0, 6, 12, 18, 24}.
    let both = db
        .fleets()
        .list(
            &ListOptions::default()
                .tag("environment", "production")
                .tag("tier", "web"),
        )
        .await
        .unwrap();
    assert_eq!(both.items.len(), 5);

    // Retagging moves the object between index entries.
    let moved = &prod[0];
    db.fleets()
        .update(
            moved.id(),
            fleet(moved.name(), 1).tag("environment", "staging"),
            None,
        )
        .await
        .unwrap();
    let page = db
        .fleets()
        .list(&ListOptions::default().tag("environment", "production"))
        .await
        .unwrap();
    assert_eq!(page.items.len(), prod.len() - 1);
    assert!(page.items.iter().all(|f| f.id() != moved.id()));
    let none = db
        .fleets()
        .list(&ListOptions::default().tag("environment", "dev"))
        .await
        .unwrap();
    assert!(none.items.is_empty() && none.next_page_token.is_none());
}

#[tokio::test]
async fn a_name_filter_finds_the_one_resource_by_its_name_index() {
    let db = quiet_db().await;
    let web = db
        .fleets()
        .create(fleet("web", 1).tag("env", "prod"))
        .await
        .unwrap();
    db.fleets().create(fleet("db", 1)).await.unwrap();
    let named = |options: ListOptions| {
        let db = db.clone();
        async move { db.fleets().list(&options).await.unwrap() }
    };
    let page = named(ListOptions::default().name("web")).await;
    assert_eq!(page.items, vec![web.clone()]);
    assert_eq!(page.next_page_token, None);
    // The other filters still apply, and so does a page token past it.
    assert!(
        named(ListOptions::default().name("web").tag("env", "dev"))
            .await
            .items
            .is_empty()
    );
    assert_eq!(
        named(ListOptions::default().name("web").tag("env", "prod"))
            .await
            .items
            .len(),
        1
    );
    assert!(
        named(ListOptions::default().name("nope"))
            .await
            .items
            .is_empty()
    );
    // A renamed resource is found by its new name only.
    db.fleets()
        .update(web.id(), fleet("web-2", 1), None)
        .await
        .unwrap();
    assert!(
        named(ListOptions::default().name("web"))
            .await
            .items
            .is_empty()
    );
    assert_eq!(
        named(ListOptions::default().name("web-2"))
            .await
            .items
            .len(),
        1
    );
    // A name that cannot exist is an invalid request, not an empty page.
    let err = db
        .fleets()
        .list(&ListOptions::default().name("no spaces"))
        .await
        .unwrap_err();
    assert_eq!(err.field_violation().unwrap().0, "name");
}

#[tokio::test]
async fn a_corrupt_record_is_an_internal_error_not_a_panic() {
    use clusterdb::storage::{Commit, Op};
    let db = quiet_db().await;
    db.engine()
        .commit(Commit {
            ops: vec![Op::Put(b"o/fleet/fleet-bad".to_vec(), b"garbage".to_vec())],
            ..Commit::default()
        })
        .await
        .unwrap();
    let err = db.fleets().get("fleet-bad").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Internal);
    assert!(err.to_string().contains("corrupt record"), "{err}");
    assert_eq!(
        db.fleets()
            .list(&ListOptions::default())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Internal
    );
}
