//! The lexicon's words as a trie over normalised chars, built once at first use: one
//! walk from a text position finds every word starting there, instead of comparing each
//! candidate word with the text. Built at run time from `lexicon.txt` rather than
//! generated as static tables, so the wasm carries only this small builder.

use std::collections::BTreeMap;

/// No entry ends at this node / an empty slot of the root table.
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    /// The node's children are `edges[first..first + len]`, sorted by char.
    first: u32,
    len: u32,
    /// The first lexicon entry (in file order) whose word ends here.
    entry: u32,
}

#[derive(Debug)]
pub(super) struct Trie {
    nodes: Vec<Node>,
    edges: Vec<(char, u32)>,
    /// The root's children again, for speed: the root has hundreds of children (one per
    /// first char) and every position of every text starts there. ASCII chars index
    /// `ascii`; the others are in `root`, an open-addressing hash table.
    ascii: [u32; 128],
    root: Vec<(char, u32)>,
    root_shift: u32,
}

impl Trie {
    /// Builds the trie of `words` (`(word, entry)` in file order). A word listed twice
    /// keeps its first entry, as the first of equally long candidates used to win.
    pub(super) fn build<'a>(words: impl IntoIterator<Item = (&'a [char], usize)>) -> Trie {
        let mut children: Vec<BTreeMap<char, u32>> = vec![BTreeMap::new()];
        let mut entry: Vec<u32> = vec![NONE];
        for (word, index) in words {
            if word.is_empty() {
                continue;
            }
            let mut node = 0usize;
            for &c in word {
                let next = children.len() as u32;
                let child = *children[node].entry(c).or_insert(next);
                if child == next {
                    children.push(BTreeMap::new());
                    entry.push(NONE);
                }
                node = child as usize;
            }
            if entry[node] == NONE {
                entry[node] = index as u32;
            }
        }
        let mut nodes = Vec::with_capacity(children.len());
        let mut edges = Vec::new();
        for (kids, &entry) in children.iter().zip(&entry) {
            nodes.push(Node {
                first: edges.len() as u32,
                len: kids.len() as u32,
                entry,
            });
            edges.extend(kids.iter().map(|(&c, &n)| (c, n)));
        }
        // At most half full, so a probe for an absent char ends after a slot or two.
        let bits = (children[0].len().max(8) * 2)
            .next_power_of_two()
            .trailing_zeros();
        let mut root = vec![('\0', NONE); 1 << bits];
        let root_shift = 32 - bits;
        let mut ascii = [NONE; 128];
        for (&c, &n) in &children[0] {
            if c.is_ascii() {
                ascii[c as usize] = n;
                continue;
            }
            let mut slot = hash(c, root_shift);
            while root[slot].1 != NONE {
                slot = (slot + 1) & (root.len() - 1);
            }
            root[slot] = (c, n);
        }
        Trie {
            nodes,
            edges,
            ascii,
            root,
            root_shift,
        }
    }

    fn root_child(&self, c: char) -> Option<u32> {
        if c.is_ascii() {
            let n = self.ascii[c as usize];
            return (n != NONE).then_some(n);
        }
        let mut slot = hash(c, self.root_shift);
        loop {
            let (k, n) = self.root[slot];
            if n == NONE {
                return None;
            }
            if k == c {
                return Some(n);
            }
            slot = (slot + 1) & (self.root.len() - 1);
        }
    }

    fn child(&self, node: u32, c: char) -> Option<u32> {
        let n = self.nodes[node as usize];
        let edges = &self.edges[n.first as usize..(n.first + n.len) as usize];
        // Below the root most nodes have one to three children.
        if edges.len() <= 8 {
            edges.iter().find(|e| e.0 == c).map(|e| e.1)
        } else {
            edges
                .binary_search_by_key(&c, |e| e.0)
                .ok()
                .map(|i| edges[i].1)
        }
    }

    /// The longest word that `text` starts with and that `accept(len)` takes, as
    /// `(len, entry)`. `accept` is asked about every word starting here, shortest first.
    pub(super) fn longest(
        &self,
        text: &[char],
        mut accept: impl FnMut(usize) -> bool,
    ) -> Option<(usize, usize)> {
        let mut chars = text.iter();
        let mut node = chars.next().and_then(|&c| self.root_child(c))?;
        let mut len = 1;
        let mut best = None;
        loop {
            let entry = self.nodes[node as usize].entry;
            if entry != NONE && accept(len) {
                best = Some((len, entry as usize));
            }
            match chars.next().and_then(|&c| self.child(node, c)) {
                Some(next) => {
                    node = next;
                    len += 1;
                }
                None => return best,
            }
        }
    }
}

/// Fibonacci hashing: the top bits of the char times 2^32/φ.
fn hash(c: char, shift: u32) -> usize {
    ((c as u32).wrapping_mul(0x9E37_79B9) >> shift) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn finds_the_longest_accepted_word() {
        let words = [chars("火"), chars("灭火器"), chars("灭火"), chars("火")];
        let trie = Trie::build(words.iter().enumerate().map(|(i, w)| (&w[..], i)));
        assert_eq!(trie.longest(&chars("灭火器坏了"), |_| true), Some((3, 1)));
        assert_eq!(trie.longest(&chars("灭火器"), |len| len < 3), Some((2, 2)));
        assert_eq!(
            trie.longest(&chars("火"), |_| true),
            Some((1, 0)),
            "first wins"
        );
        assert_eq!(trie.longest(&chars("水"), |_| true), None);
        assert_eq!(trie.longest(&[], |_| true), None);
        assert_eq!(trie.longest(&chars("灭"), |_| true), None);
    }

    #[test]
    fn a_wide_root_hashes_every_child() {
        let mut words: Vec<Vec<char>> = ('\u{4e00}'..'\u{4f00}').map(|c| vec![c, 'x']).collect();
        words.extend(('\0'..'\u{80}').map(|c| vec![c, 'x']));
        let trie = Trie::build(words.iter().enumerate().map(|(i, w)| (&w[..], i)));
        for (i, w) in words.iter().enumerate() {
            assert_eq!(trie.longest(w, |_| true), Some((2, i)));
        }
        assert_eq!(trie.longest(&chars("\u{4f00}x"), |_| true), None);
    }
}
