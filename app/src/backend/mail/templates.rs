//! The messages Usher sends, as plain text and as HTML (Usher-branded, inline styles only, since
//! mail clients drop style sheets). Everything a person typed is escaped.

use super::Mail;
use chrono::{DateTime, Utc};

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The frame every HTML message shares.
fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2430">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:32px 12px"><tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:10px;border:1px solid #e3e6ea">
<tr><td style="padding:20px 28px;border-bottom:1px solid #e3e6ea">
<span style="display:inline-block;width:28px;height:28px;line-height:28px;text-align:center;border-radius:7px;background:#3557d4;color:#ffffff;font-weight:700">U</span>
<span style="font-weight:650;font-size:17px;vertical-align:middle;margin-left:8px">Usher</span></td></tr>
<tr><td style="padding:28px;font-size:15px;line-height:1.55">{body}</td></tr>
</table>
<p style="font-size:12px;color:#6b7280;max-width:560px">You received this because an administrator entered your address in Usher. If you did not expect it, you can ignore it.</p>
</td></tr></table></body></html>"#
    )
}

/// The invitation: who invites whom into which entity, with which roles, until when.
pub fn invitation(
    to: &str,
    entity: &str,
    inviter: &str,
    roles: &[&str],
    link: &str,
    expires_at: DateTime<Utc>,
) -> Mail {
    let expires = expires_at.format("%-d %B %Y at %H:%M UTC").to_string();
    let roles = roles.join(", ");
    let subject = format!("{inviter} invited you to join {entity} on Usher");
    let text = format!(
        "Hello,\n\n{inviter} invited you to join {entity} on Usher as {roles}.\n\n\
         Accept the invitation and set up your account:\n{link}\n\n\
         The link works until {expires}. If it has expired, ask {inviter} or another \
         administrator of {entity} to resend it.\n\n— Usher\n"
    );
    let (e_entity, e_inviter, e_roles, e_link) = (
        escape_html(entity),
        escape_html(inviter),
        escape_html(&roles),
        escape_html(link),
    );
    let body = format!(
        r#"<h1 style="font-size:20px;margin:0 0 16px">Join {e_entity} on Usher</h1>
<p style="margin:0 0 16px"><strong>{e_inviter}</strong> invited you to join <strong>{e_entity}</strong> as {e_roles}.</p>
<p style="margin:24px 0"><a href="{e_link}" style="display:inline-block;background:#3557d4;color:#ffffff;text-decoration:none;font-weight:600;padding:11px 20px;border-radius:8px">Accept invitation</a></p>
<p style="margin:0 0 8px;color:#4b5563;font-size:14px">The link works until <strong>{expires}</strong>. If it has expired, ask {e_inviter} or another administrator of {e_entity} to resend it.</p>
<p style="margin:16px 0 0;color:#6b7280;font-size:13px;word-break:break-all">If the button does not work, copy this address into your browser:<br>{e_link}</p>"#
    );
    Mail {
        to: to.to_string(),
        subject,
        html: layout("Your invitation to Usher", &body),
        text,
    }
}

/// A button and the address beside it, for mail clients that hide buttons.
fn button(label: &str, link: &str) -> String {
    let link = escape_html(link);
    format!(
        r#"<p style="margin:24px 0"><a href="{link}" style="display:inline-block;background:#3557d4;color:#ffffff;text-decoration:none;font-weight:600;padding:11px 20px;border-radius:8px">{label}</a></p>
<p style="margin:16px 0 0;color:#6b7280;font-size:13px;word-break:break-all">If the button does not work, copy this address into your browser:<br>{link}</p>"#
    )
}

/// A link to choose a password: after an admin's Reset password or Forgot password (`reset`),
/// or for a new account created with "send a set-password email".
pub fn set_password(
    to: &str,
    name: &str,
    entity: &str,
    link: &str,
    expires_at: DateTime<Utc>,
    reset: bool,
) -> Mail {
    let expires = expires_at.format("%-d %B %Y at %H:%M UTC").to_string();
    let (subject, lead) = if reset {
        (
            "Reset your Usher password".to_string(),
            "Someone asked to reset the password of your Usher account. If it was not you, ignore this message: your password stays as it is unless an administrator reset it.".to_string(),
        )
    } else {
        (
            format!("Your {entity} account on Usher"),
            format!("An administrator of {entity} created an Usher account for you. Choose your password to start."),
        )
    };
    let text = format!(
        "Hello {name},\n\n{lead}\n\nChoose a new password here:\n{link}\n\nThe link works once, until {expires}.\n\n— Usher\n"
    );
    let body = format!(
        r#"<h1 style="font-size:20px;margin:0 0 16px">{title}</h1>
<p style="margin:0 0 16px">Hello {e_name},</p>
<p style="margin:0 0 16px">{e_lead}</p>
{button}
<p style="margin:16px 0 0;color:#4b5563;font-size:14px">The link works once, until <strong>{expires}</strong>.</p>"#,
        title = if reset {
            "Reset your password"
        } else {
            "Choose your password"
        },
        e_name = escape_html(name),
        e_lead = escape_html(&lead),
        button = button("Choose a password", link),
    );
    Mail {
        to: to.to_string(),
        html: layout(&subject, &body),
        subject,
        text,
    }
}

/// What changed in an address notice, in both forms.
struct AddressChange<'a> {
    subject: &'a str,
    heading: &'a str,
    /// "An operator changed the sign-in email" — the rest names the two addresses.
    lead: &'a str,
    /// What follows for the person (text and HTML alike: no markup).
    then: &'a str,
}

/// A notice that one of an account's addresses changed, from `old` to `new`.
fn address_changed(to: &str, name: &str, old: &str, new: &str, what: AddressChange) -> Mail {
    let AddressChange {
        subject,
        heading,
        lead,
        then,
    } = what;
    let text = format!(
        "Hello {name},\n\n{lead} of your Usher account from {old} to {new}. {then}\n\n\
         If you did not expect this, contact your administrator.\n\n— Usher\n"
    );
    let body = format!(
        r#"<h1 style="font-size:20px;margin:0 0 16px">{}</h1>
<p style="margin:0 0 16px">Hello {},</p>
<p style="margin:0 0 16px">{} of your Usher account from <strong>{}</strong> to <strong>{}</strong>. {}</p>
<p style="margin:0;color:#4b5563;font-size:14px">If you did not expect this, contact your administrator.</p>"#,
        escape_html(heading),
        escape_html(name),
        escape_html(lead),
        escape_html(old),
        escape_html(new),
        escape_html(then)
    );
    Mail {
        to: to.to_string(),
        html: layout(subject, &body),
        subject: subject.to_string(),
        text,
    }
}

/// The notice to both addresses when an operator changes an account email.
pub fn email_changed(to: &str, name: &str, old: &str, new: &str) -> Mail {
    let then = format!("You were signed out everywhere; sign in with {new} from now on.");
    let what = AddressChange {
        subject: "The email address of your Usher account changed",
        heading: "Your sign-in email changed",
        lead: "An operator changed the sign-in email",
        then: &then,
    };
    address_changed(to, name, old, new, what)
}

/// The notice to the previous address when an admin changes where an account's other mail goes.
/// Sign-in and password mail never goes there: it goes to the account email only.
pub fn contact_email_changed(to: &str, name: &str, old: &str, new: &str) -> Mail {
    let what = AddressChange {
        subject: "The contact email of your Usher account changed",
        heading: "Your contact email changed",
        lead: "An administrator changed the contact email",
        then: "Messages other than sign-in and password mail now go there.",
    };
    address_changed(to, name, old, new, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_typed_is_escaped_in_html_but_readable_in_text() {
        let mail = invitation(
            "a@example.com",
            "Fish & <Chips>",
            "Zoë \"Z\" O'Neil",
            &["Trader"],
            "https://usher.example.com/accept-invitation#token=abc",
            Utc::now(),
        );
        assert!(mail.html.contains("Fish &amp; &lt;Chips&gt;"));
        assert!(!mail.html.contains("<Chips>"));
        assert!(mail.text.contains("Fish & <Chips>"));
        assert!(mail
            .text
            .contains("https://usher.example.com/accept-invitation#token=abc"));
        assert!(mail
            .subject
            .contains("Zoë \"Z\" O'Neil invited you to join Fish & <Chips>"));
    }
}
