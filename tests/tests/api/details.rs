//! Customer details: the company profile, contacts with roles, and communication activities
//! timed against the server's (injected) clock.

use canopy_tests::{error_code, error_field, TestApp};
use serde_json::{json, Value};

struct Fixture {
    app: TestApp,
    admin: String,
    /// A reseller with the details under test.
    acme: String,
    /// Another reseller.
    other: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let acme = app
        .create_customer(&admin, &root, "Acme", "RESELLER", json!({}))
        .await;
    let other = app
        .create_customer(&admin, &root, "Other", "RESELLER", json!({}))
        .await;
    Fixture {
        app,
        admin,
        acme,
        other,
    }
}

const ADD_CONTACT: &str = "mutation($c: ID!, $i: ContactInput!) { addContact(customerId: $c, input: $i) { id firstName lastName title email phone roles } }";
const UPDATE_PROFILE: &str = "mutation($c: ID!, $i: CompanyProfileInput!) { updateCompanyProfile(customerId: $c, input: $i) { id } }";
const PROFILE: &str = "query($id: ID!) { customer(id: $id) { profile { legalName website phone vatNumber chamberOfCommerceNumber billingEmail billingContact { id lastName } address { street city district state zipCode country } } } }";

async fn add_contact(app: &TestApp, token: &str, customer: &str, input: Value) -> Value {
    app.data(
        Some(token),
        ADD_CONTACT,
        json!({ "c": customer, "i": input }),
    )
    .await["addContact"]
        .clone()
}

async fn profile(app: &TestApp, token: &str, customer: &str) -> Value {
    app.data(Some(token), PROFILE, json!({ "id": customer }))
        .await["customer"]["profile"]
        .clone()
}

#[tokio::test]
async fn the_company_profile_keeps_what_is_left_out_and_clears_what_is_nulled() {
    let Fixture {
        app, admin, acme, ..
    } = fixture().await;
    let empty = profile(&app, &admin, &acme).await;
    assert!(empty["legalName"].is_null());
    assert!(
        empty["address"]["city"].is_null(),
        "an empty profile still has an address object"
    );

    let billing = add_contact(
        &app,
        &admin,
        &acme,
        json!({ "lastName": "Payne", "roles": ["BILLING"] }),
    )
    .await;
    app.data(
        Some(&admin),
        UPDATE_PROFILE,
        json!({ "c": acme, "i": {
            "legalName": " Acme B.V. ",
            "website": "https://acme.example/",
            "phone": "+31 20 123 4567",
            "vatNumber": "NL123456789B01",
            "chamberOfCommerceNumber": "12345678",
            "address": { "street": "Main St 1", "city": "Amsterdam", "district": "Centrum", "state": "NH", "zipCode": "1000 AA", "country": "nl" },
            "billingContactId": billing["id"],
            "billingEmail": "invoices@acme.example",
        } }),
    )
    .await;
    let p = profile(&app, &admin, &acme).await;
    assert_eq!(p["legalName"], "Acme B.V.");
    assert_eq!(p["website"], "https://acme.example/");
    assert_eq!(p["vatNumber"], "NL123456789B01");
    assert_eq!(
        p["address"]["country"], "NL",
        "country codes are upper case"
    );
    assert_eq!(p["address"]["zipCode"], "1000 AA");
    assert_eq!(p["billingContact"]["lastName"], "Payne");
    assert_eq!(p["billingEmail"], "invoices@acme.example");

    // Left out: unchanged. Null or blank: cleared. A partial address changes only its fields.
    app.data(
        Some(&admin),
        UPDATE_PROFILE,
        json!({ "c": acme, "i": { "phone": null, "vatNumber": "  ", "address": { "city": "Utrecht" } } }),
    )
    .await;
    let p = profile(&app, &admin, &acme).await;
    assert!(p["phone"].is_null());
    assert!(p["vatNumber"].is_null());
    assert_eq!(p["legalName"], "Acme B.V.");
    assert_eq!(p["address"]["city"], "Utrecht");
    assert_eq!(p["address"]["street"], "Main St 1");
    assert_eq!(p["billingContact"]["lastName"], "Payne");

    app.data(
        Some(&admin),
        UPDATE_PROFILE,
        json!({ "c": acme, "i": { "address": null, "billingContactId": null } }),
    )
    .await;
    let p = profile(&app, &admin, &acme).await;
    assert!(p["address"]["street"].is_null() && p["address"]["country"].is_null());
    assert!(p["billingContact"].is_null());
}

#[tokio::test]
async fn bad_profile_input_is_refused_with_the_field_and_the_rule() {
    let Fixture {
        app,
        admin,
        acme,
        other,
    } = fixture().await;
    let theirs = add_contact(&app, &admin, &other, json!({ "firstName": "Not Yours" })).await;
    app.data(
        Some(&admin),
        UPDATE_PROFILE,
        json!({ "c": acme, "i": { "legalName": "Before" } }),
    )
    .await;
    let cases = [
        (
            "a website without a scheme",
            json!({ "website": "acme.example" }),
            "website",
        ),
        (
            "a website of another scheme",
            json!({ "website": "ftp://acme.example" }),
            "website",
        ),
        (
            "a script as website",
            json!({ "website": "javascript:alert(1)" }),
            "website",
        ),
        (
            "a bad billing e-mail",
            json!({ "billingEmail": "invoices-at-acme" }),
            "billingEmail",
        ),
        (
            "an unknown country",
            json!({ "address": { "country": "XX" } }),
            "address.country",
        ),
        (
            "a country name for a code",
            json!({ "address": { "country": "Netherlands" } }),
            "address.country",
        ),
        (
            "another customer's contact as billing contact",
            json!({ "billingContactId": theirs["id"] }),
            "billingContactId",
        ),
        (
            "a customer's ID as billing contact",
            json!({ "billingContactId": acme }),
            "billingContactId",
        ),
        (
            "a legal name that is too long",
            json!({ "legalName": "n".repeat(201) }),
            "legalName",
        ),
    ];
    for (why, input, field) in cases {
        let body = app
            .gql(
                Some(&admin),
                UPDATE_PROFILE,
                json!({ "c": acme, "i": input }),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}: {body}");
        assert_eq!(error_field(&body), Some(field), "{why}: {body}");
    }
    assert_eq!(
        profile(&app, &admin, &acme).await["legalName"],
        "Before",
        "refused changes change nothing"
    );
}

#[tokio::test]
async fn contacts_are_added_edited_listed_and_removed_with_their_roles() {
    let Fixture {
        app, admin, acme, ..
    } = fixture().await;
    let ada = add_contact(
        &app,
        &admin,
        &acme,
        json!({ "firstName": " Ada ", "lastName": "Lovelace", "title": "CTO", "email": "ada@acme.example", "phone": "+44 1", "roles": ["TECHNICAL", "AUTHORIZED_SIGNER", "TECHNICAL"] }),
    )
    .await;
    assert_eq!(ada["firstName"], "Ada");
    assert_eq!(
        ada["roles"],
        json!(["AUTHORIZED_SIGNER", "TECHNICAL"]),
        "roles in display order, once each"
    );
    add_contact(
        &app,
        &admin,
        &acme,
        json!({ "firstName": "Charles", "lastName": "Babbage" }),
    )
    .await;
    add_contact(&app, &admin, &acme, json!({ "firstName": "Grace" })).await;

    let list = |data: &Value| -> Vec<String> {
        data["customer"]["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c["firstName"].as_str().unwrap_or(""),
                    c["lastName"].as_str().unwrap_or("")
                )
                .trim()
                .to_owned()
            })
            .collect()
    };
    const CONTACTS: &str =
        "query($id: ID!) { customer(id: $id) { contacts { id firstName lastName roles } } }";
    let data = app
        .data(Some(&admin), CONTACTS, json!({ "id": acme }))
        .await;
    assert_eq!(
        list(&data),
        ["Charles Babbage", "Grace", "Ada Lovelace"],
        "by last name, else first name"
    );

    let updated = app
        .data(
            Some(&admin),
            "mutation($id: ID!, $i: ContactInput!) { updateContact(id: $id, input: $i) { firstName lastName title email roles } }",
            json!({ "id": ada["id"], "i": { "title": null, "roles": ["BILLING"] } }),
        )
        .await;
    let c = &updated["updateContact"];
    assert_eq!(c["firstName"], "Ada", "left out: unchanged");
    assert!(c["title"].is_null(), "null: cleared");
    assert_eq!(c["roles"], json!(["BILLING"]));

    let removed = app
        .data(
            Some(&admin),
            "mutation($id: ID!) { removeContact(id: $id) }",
            json!({ "id": ada["id"] }),
        )
        .await;
    assert_eq!(removed["removeContact"], ada["id"]);
    let data = app
        .data(Some(&admin), CONTACTS, json!({ "id": acme }))
        .await;
    assert_eq!(list(&data), ["Charles Babbage", "Grace"]);
}

#[tokio::test]
async fn bad_contact_input_is_refused_with_the_field_and_the_rule() {
    let Fixture {
        app, admin, acme, ..
    } = fixture().await;
    let cases = [
        ("no name at all", json!({ "title": "CEO" }), "firstName"),
        (
            "blank names",
            json!({ "firstName": " ", "lastName": "" }),
            "firstName",
        ),
        (
            "a bad e-mail",
            json!({ "lastName": "X", "email": "x@" }),
            "email",
        ),
        (
            "a name that is too long",
            json!({ "lastName": "x".repeat(101) }),
            "lastName",
        ),
    ];
    for (why, input, field) in cases {
        let body = app
            .gql(Some(&admin), ADD_CONTACT, json!({ "c": acme, "i": input }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}: {body}");
        assert_eq!(error_field(&body), Some(field), "{why}: {body}");
    }
    // Editing may not remove the last name a contact has.
    let only_last = add_contact(&app, &admin, &acme, json!({ "lastName": "Solo" })).await;
    let body = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { updateContact(id: $id, input: { lastName: null }) { id } }",
            json!({ "id": only_last["id"] }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn removing_the_billing_contact_clears_the_link_and_the_audit_shows_it() {
    let Fixture {
        app, admin, acme, ..
    } = fixture().await;
    let billing = add_contact(&app, &admin, &acme, json!({ "lastName": "Payne" })).await;
    app.data(
        Some(&admin),
        UPDATE_PROFILE,
        json!({ "c": acme, "i": { "billingContactId": billing["id"], "legalName": "Acme B.V." } }),
    )
    .await;
    app.data(
        Some(&admin),
        "mutation($c: ID!, $k: ID) { addActivity(customerId: $c, input: { kind: CALL, subject: \"Invoice\", occursAt: \"2020-01-01T10:00:00Z\", contactId: $k }) { id } }",
        json!({ "c": acme, "k": billing["id"] }),
    )
    .await;

    app.data(
        Some(&admin),
        "mutation($id: ID!) { removeContact(id: $id) }",
        json!({ "id": billing["id"] }),
    )
    .await;
    let p = profile(&app, &admin, &acme).await;
    assert!(p["billingContact"].is_null());
    assert_eq!(p["legalName"], "Acme B.V.", "the rest of the profile stays");
    let data = app
        .data(
            Some(&admin),
            "query($id: ID!) { customer(id: $id) { activities { subject contact { id } } } }",
            json!({ "id": acme }),
        )
        .await;
    let activity = &data["customer"]["activities"][0];
    assert_eq!(activity["subject"], "Invoice", "the activity stays");
    assert!(activity["contact"].is_null(), "without its contact");

    let log = app
        .data(
            Some(&admin),
            "query($c: ID) { auditLog(customerId: $c, first: 3) { nodes { action before after } } }",
            json!({ "c": acme }),
        )
        .await;
    let nodes = log["auditLog"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["action"], "contact.remove");
    assert_eq!(nodes[1]["action"], "companyProfile.update");
    let before: Value = serde_json::from_str(nodes[1]["before"].as_str().unwrap()).unwrap();
    let after: Value = serde_json::from_str(nodes[1]["after"].as_str().unwrap()).unwrap();
    assert_eq!(before["billingContactId"], billing["id"]);
    assert!(after["billingContactId"].is_null());
    let removed: Value = serde_json::from_str(nodes[0]["before"].as_str().unwrap()).unwrap();
    assert_eq!(removed["lastName"], "Payne");
}

const HOUR_MS: i64 = 60 * 60 * 1000;

fn at(offset_ms: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::milliseconds(offset_ms)).to_rfc3339()
}

const ACTIVITIES: &str = "query($id: ID!) { customer(id: $id) { all: activities { subject timing } past: activities(timing: PAST) { subject } upcoming: activities(timing: UPCOMING) { subject } } }";

fn subjects(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["subject"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn activities_are_timed_and_ordered_around_the_servers_now() {
    let Fixture {
        app, admin, acme, ..
    } = fixture().await;
    const ADD: &str = "mutation($c: ID!, $i: ActivityInput!) { addActivity(customerId: $c, input: $i) { id kind timing occursAt author { username } createdAt } }";
    let mut ids = Vec::new();
    for (subject, kind, offset) in [
        ("Call last week", "CALL", -7 * 24 * HOUR_MS),
        ("Meeting in two hours", "MEETING", 2 * HOUR_MS),
        ("Note yesterday", "NOTE", -24 * HOUR_MS),
        ("Mail tomorrow", "EMAIL", 24 * HOUR_MS),
    ] {
        let data = app
            .data(
                Some(&admin),
                ADD,
                json!({ "c": acme, "i": { "kind": kind, "subject": subject, "occursAt": at(offset) } }),
            )
            .await;
        let a = &data["addActivity"];
        assert_eq!(a["kind"], kind);
        assert_eq!(a["timing"], if offset > 0 { "UPCOMING" } else { "PAST" });
        assert_eq!(
            a["author"]["username"],
            app.admin_user.as_str(),
            "the signed-in user writes it"
        );
        ids.push(a["id"].clone());
    }

    let data = app
        .data(Some(&admin), ACTIVITIES, json!({ "id": acme }))
        .await;
    let c = &data["customer"];
    assert_eq!(
        subjects(&c["upcoming"]),
        ["Meeting in two hours", "Mail tomorrow"],
        "soonest first"
    );
    assert_eq!(
        subjects(&c["past"]),
        ["Note yesterday", "Call last week"],
        "newest first"
    );
    assert_eq!(
        subjects(&c["all"]),
        [
            "Meeting in two hours",
            "Mail tomorrow",
            "Note yesterday",
            "Call last week"
        ],
        "upcoming, then past"
    );

    // Three hours later the meeting has happened.
    app.clock.advance_ms(3 * HOUR_MS);
    let data = app
        .data(Some(&admin), ACTIVITIES, json!({ "id": acme }))
        .await;
    let c = &data["customer"];
    assert_eq!(subjects(&c["upcoming"]), ["Mail tomorrow"]);
    assert_eq!(
        subjects(&c["past"]),
        ["Meeting in two hours", "Note yesterday", "Call last week"]
    );
    assert_eq!(c["all"][1]["timing"], "PAST");

    // Editing keeps the author; moving the time moves the activity.
    let updated = app
        .data(
            Some(&admin),
            "mutation($id: ID!, $i: ActivityInput!) { updateActivity(id: $id, input: $i) { subject notes timing author { username } } }",
            json!({ "id": ids[0], "i": { "kind": "CALL", "subject": "Follow-up call", "notes": "Bring the quote", "occursAt": at(48 * HOUR_MS) } }),
        )
        .await;
    let u = &updated["updateActivity"];
    assert_eq!(u["timing"], "UPCOMING");
    assert_eq!(u["notes"], "Bring the quote");
    assert_eq!(u["author"]["username"], app.admin_user.as_str());

    app.data(
        Some(&admin),
        "mutation($id: ID!) { removeActivity(id: $id) }",
        json!({ "id": ids[2] }),
    )
    .await;
    let data = app
        .data(Some(&admin), ACTIVITIES, json!({ "id": acme }))
        .await;
    assert_eq!(
        subjects(&data["customer"]["all"]),
        ["Mail tomorrow", "Follow-up call", "Meeting in two hours"]
    );
}

#[tokio::test]
async fn bad_activity_input_is_refused_with_the_field_and_the_rule() {
    let Fixture {
        app,
        admin,
        acme,
        other,
    } = fixture().await;
    let theirs = add_contact(&app, &admin, &other, json!({ "lastName": "Elsewhere" })).await;
    let cases = [
        (
            "a blank subject",
            json!({ "kind": "NOTE", "subject": "  ", "occursAt": at(0) }),
            "subject",
        ),
        (
            "a subject that is too long",
            json!({ "kind": "NOTE", "subject": "s".repeat(201), "occursAt": at(0) }),
            "subject",
        ),
        (
            "another customer's contact",
            json!({ "kind": "CALL", "subject": "Hi", "occursAt": at(0), "contactId": theirs["id"] }),
            "contactId",
        ),
        (
            "a control character in the notes",
            json!({ "kind": "NOTE", "subject": "Hi", "notes": "a\u{0}b", "occursAt": at(0) }),
            "notes",
        ),
    ];
    for (why, input, field) in cases {
        let body = app
            .gql(
                Some(&admin),
                "mutation($c: ID!, $i: ActivityInput!) { addActivity(customerId: $c, input: $i) { id } }",
                json!({ "c": acme, "i": input }),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}: {body}");
        assert_eq!(error_field(&body), Some(field), "{why}: {body}");
    }
}

#[tokio::test]
async fn managers_record_activities_but_only_administrators_change_contacts_and_profiles() {
    let Fixture {
        app, admin, acme, ..
    } = fixture().await;
    app.create_user(
        &admin,
        &acme,
        "manager@acme.example",
        "MANAGER",
        "manager password",
    )
    .await;
    app.create_user(
        &admin,
        &acme,
        "operator@acme.example",
        "OPERATOR",
        "operator password",
    )
    .await;
    let manager = app
        .sign_in("Acme", "manager@acme.example", "manager password")
        .await;
    let operator = app
        .sign_in("Acme", "operator@acme.example", "operator password")
        .await;
    const ADD_ACTIVITY: &str = "mutation($c: ID!) { addActivity(customerId: $c, input: { kind: NOTE, subject: \"Hello\", occursAt: \"2020-01-01T00:00:00Z\" }) { author { username } } }";

    let data = app
        .data(Some(&manager), ADD_ACTIVITY, json!({ "c": acme }))
        .await;
    assert_eq!(
        data["addActivity"]["author"]["username"],
        "manager@acme.example"
    );
    let body = app
        .gql(Some(&operator), ADD_ACTIVITY, json!({ "c": acme }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&manager),
            ADD_CONTACT,
            json!({ "c": acme, "i": { "lastName": "X" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&manager),
            UPDATE_PROFILE,
            json!({ "c": acme, "i": { "legalName": "X" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Everyone reads.
    let data = app
        .data(
            Some(&operator),
            "query($id: ID!) { customer(id: $id) { contacts { id } activities { subject author { username } } profile { legalName } } }",
            json!({ "id": acme }),
        )
        .await;
    assert_eq!(data["customer"]["activities"][0]["subject"], "Hello");
}

#[tokio::test]
async fn removing_a_customer_removes_its_contacts_activities_profile_and_branding() {
    let Fixture {
        app, admin, acme, ..
    } = fixture().await;
    let contact = add_contact(&app, &admin, &acme, json!({ "lastName": "Payne" })).await;
    app.data(
        Some(&admin),
        UPDATE_PROFILE,
        json!({ "c": acme, "i": { "legalName": "Acme B.V.", "billingContactId": contact["id"] } }),
    )
    .await;
    app.data(
        Some(&admin),
        "mutation($c: ID!, $k: ID) { addActivity(customerId: $c, input: { kind: CALL, subject: \"Bye\", occursAt: \"2020-01-01T00:00:00Z\", contactId: $k }) { id } }",
        json!({ "c": acme, "k": contact["id"] }),
    )
    .await;
    let mut logo = b"\x89PNG\r\n\x1a\n".to_vec();
    logo.resize(100, 0);
    let body = app
        .upload(
            Some(&admin),
            "mutation($c: ID!, $i: BrandingInput!) { updateBranding(customerId: $c, input: $i) { id } }",
            json!({ "c": acme, "i": { "displayName": "Acme" } }),
            vec![canopy_tests::UploadFile::new("variables.i.logo", "logo.png", None, logo)],
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    app.data(
        Some(&admin),
        "mutation($id: ID!) { removeCustomer(id: $id) }",
        json!({ "id": acme }),
    )
    .await;
    for table in [
        "contacts",
        "company_profiles",
        "activities",
        "brandings",
        "branding_assets",
    ] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} is empty");
    }
}
