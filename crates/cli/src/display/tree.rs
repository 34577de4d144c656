//! A tree drawn with box-drawing edges, as `oras discover` prints referrers.

/// A node: its text and its children, in the order added.
pub(crate) struct Tree {
    pub(crate) value: String,
    pub(crate) children: Vec<Tree>,
}

impl Tree {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            children: Vec::new(),
        }
    }

    /// The child with this text, added if there is none yet.
    pub(crate) fn child(&mut self, value: &str) -> &mut Tree {
        let i = match self.children.iter().position(|c| c.value == value) {
            Some(i) => i,
            None => {
                self.children.push(Tree::new(value));
                self.children.len() - 1
            }
        };
        &mut self.children[i]
    }

    /// The tree as lines.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, "");
        out
    }

    fn write(&self, out: &mut String, prefix: &str) {
        out.push_str(&self.value);
        out.push('\n');
        let last = self.children.len().saturating_sub(1);
        for (i, c) in self.children.iter().enumerate() {
            let (edge, next) = if i == last {
                ("└── ", "    ")
            } else {
                ("├── ", "│   ")
            };
            out.push_str(prefix);
            out.push_str(edge);
            c.write(out, &format!("{prefix}{next}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_as_the_go_cli_draws_them() {
        let mut t = Tree::new("root");
        t.child("a").child("a1");
        t.child("a").child("a2");
        t.child("b");
        assert_eq!(t.render(), "root\n├── a\n│   ├── a1\n│   └── a2\n└── b\n");
    }
}
