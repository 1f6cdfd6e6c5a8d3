//! Where the sign-in page sends a person back to: a path of this site only, never another site
//! (an open redirect would let a link to Usher's sign-in page hand its visitor to anyone).

/// `next` when it is a path on this site (`/invitations?status=pending`), else `/`.
pub fn safe_return_path(next: &str) -> &str {
    let same_site = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2048
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if same_site {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        for (next, want) in [
            ("/invitations?status=pending", "/invitations?status=pending"),
            (
                "/users/0190a7c2-0000-7000-8000-000000000000",
                "/users/0190a7c2-0000-7000-8000-000000000000",
            ),
            ("/", "/"),
            ("", "/"),
            ("//evil.example/", "/"),
            ("/\\evil.example", "/"),
            ("https://evil.example/", "/"),
            ("javascript:alert(1)", "/"),
            ("/users\n/x", "/"),
            ("/a\\b", "/"),
        ] {
            assert_eq!(safe_return_path(next), want, "{next:?}");
        }
        assert_eq!(safe_return_path(&format!("/{}", "a".repeat(3000))), "/");
    }
}
