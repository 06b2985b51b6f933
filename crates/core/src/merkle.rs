//! The RFC 6962 Merkle tree the endpoint keeps over every accepted event (RFC 9162 §2.1): leaf
//! hash `SHA-256(0x00 ‖ data)`, node hash `SHA-256(0x01 ‖ left ‖ right)`, a tree of `n` leaves
//! split at the largest power of two below `n`. Proofs are checked here, so the browser and the
//! `verify` command run the same code the endpoint's proofs were made for.
//!
//! A proof element is the hash of a subtree of the tree, named here by its leaf range. Such a
//! range is made of *perfect* subtrees (2^level leaves, aligned), which never change once
//! complete: the endpoint stores those and answers any proof from O(log² n) of them.

use sha2::{Digest, Sha256};
use std::ops::Range;

/// A SHA-256 hash: of a leaf, a node or a whole tree.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Why a proof does not hold. Stable codes for the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// The sizes cannot be proved (the old tree larger than the new, a leaf past the end).
    BadSizes,
    /// The proof has the wrong number of hashes for the sizes.
    WrongLength,
    /// The proof does not lead to the roots: the trees are not one the extension of the other.
    Mismatch,
}

impl ProofError {
    pub fn code(self) -> &'static str {
        match self {
            ProofError::BadSizes => "proof_bad_sizes",
            ProofError::WrongLength => "proof_wrong_length",
            ProofError::Mismatch => "proof_mismatch",
        }
    }

    /// The message in the reader's language (`lang`).
    pub fn message(self) -> &'static str {
        crate::lang::pick(|| self.message_ja(), || self.message_en())
    }

    /// The message in Japanese, whatever the reader's language.
    pub fn message_ja(self) -> &'static str {
        // ja-only-begin: the Japanese of message_en beside it
        match self {
            ProofError::BadSizes => "証明の木の大きさが正しくありません。",
            ProofError::WrongLength => "証明のハッシュの数が正しくありません。",
            ProofError::Mismatch => {
                "サーバの履歴が以前に確認したものと一致しません（書き換えの疑い）。"
            }
        }
        // ja-only-end
    }

    pub fn message_en(self) -> &'static str {
        match self {
            ProofError::BadSizes => "The proof's tree sizes are not right.",
            ProofError::WrongLength => "The proof has the wrong number of hashes.",
            ProofError::Mismatch => {
                "The server's history does not match the one checked before (possibly rewritten)."
            }
        }
    }
}

/// The largest power of two below `n` (n ≥ 2): where RFC 6962 splits a tree of `n` leaves.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The Merkle tree hash of `leaves` (leaf hashes), computed whole.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The subtrees whose hashes prove leaf `index` in a tree of `size` (RFC 6962 PATH), from the
/// leaf up.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<Range<u64>> {
    fn path(m: u64, range: Range<u64>, out: &mut Vec<Range<u64>>) {
        let n = range.end - range.start;
        if n <= 1 {
            return;
        }
        let k = split(n);
        let mid = range.start + k;
        if m < k {
            path(m, range.start..mid, out);
            out.push(mid..range.end);
        } else {
            path(m - k, mid..range.end, out);
            out.push(range.start..mid);
        }
    }
    let mut out = Vec::new();
    if index < size {
        path(index, 0..size, &mut out);
    }
    out
}

/// The subtrees whose hashes prove a tree of `old_size` leaves a prefix of one of `new_size`
/// (RFC 6962 §2.1.2 PROOF). Empty when nothing needs proving (0, or equal sizes).
pub fn consistency_ranges(old_size: u64, new_size: u64) -> Vec<Range<u64>> {
    fn subproof(m: u64, range: Range<u64>, whole: bool, out: &mut Vec<Range<u64>>) {
        let n = range.end - range.start;
        if m == n {
            if !whole {
                out.push(range);
            }
            return;
        }
        let k = split(n);
        let mid = range.start + k;
        if m <= k {
            subproof(m, range.start..mid, whole, out);
            out.push(mid..range.end);
        } else {
            subproof(m - k, mid..range.end, false, out);
            out.push(range.start..mid);
        }
    }
    let mut out = Vec::new();
    if 0 < old_size && old_size < new_size {
        subproof(old_size, 0..new_size, true, &mut out);
    }
    out
}

/// The perfect subtrees `(level, index)` that make up a subtree's leaf range, largest first:
/// the subtree's hash is theirs folded from the right (`fold_right`).
pub fn perfect_subtrees(range: Range<u64>) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let aligned = if at == 0 { 63 } else { at.trailing_zeros() };
        let fits = 63 - (range.end - at).leading_zeros();
        let level = aligned.min(fits);
        out.push((level, at >> level));
        at += 1 << level;
    }
    out
}

/// A subtree's hash from its perfect subtrees' hashes, largest first.
pub fn fold_right(parts: &[Hash]) -> Hash {
    match parts.split_last() {
        None => empty_root(),
        Some((last, rest)) => rest
            .iter()
            .rev()
            .fold(*last, |right, left| node_hash(left, &right)),
    }
}

/// The hash of the subtree over `range` of `leaves`.
fn range_hash(leaves: &[Hash], range: Range<u64>) -> Hash {
    root(&leaves[range.start as usize..range.end as usize])
}

/// The inclusion proof of leaf `index` in the tree of `leaves` (for tests and archives).
pub fn inclusion_proof(index: u64, leaves: &[Hash]) -> Vec<Hash> {
    inclusion_ranges(index, leaves.len() as u64)
        .into_iter()
        .map(|r| range_hash(leaves, r))
        .collect()
}

/// The consistency proof from the first `old_size` of `leaves` to all of them.
pub fn consistency_proof(old_size: u64, leaves: &[Hash]) -> Vec<Hash> {
    consistency_ranges(old_size, leaves.len() as u64)
        .into_iter()
        .map(|r| range_hash(leaves, r))
        .collect()
}

/// Checks that `leaf` (a leaf hash) is leaf `index` of the tree of `size` with `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::BadSizes);
    }
    if proof.len() != inclusion_ranges(index, size).len() {
        return Err(ProofError::WrongLength);
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && r == *root {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// Checks that the tree of `old_size` leaves with `old_root` is a prefix of the tree of
/// `new_size` with `new_root` (RFC 9162 §2.1.4.2): the log only grew, nothing in it changed.
pub fn verify_consistency(
    old_size: u64,
    old_root: &Hash,
    new_size: u64,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::BadSizes);
    }
    if proof.len() != consistency_ranges(old_size, new_size).len() {
        return Err(ProofError::WrongLength);
    }
    if old_size == new_size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if old_size == 0 {
        return Ok(());
    }
    // An old tree that is a perfect subtree of the new one is its own first proof element.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (old_size - 1, new_size - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::Mismatch);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if fr == *old_root && sr == *new_root && s == 0 {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// The right edge of a growing tree: the perfect subtrees of its leaves, largest first. Enough
/// to append a leaf and to give the root, without the leaves themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The frontier of a tree of `size` leaves from its perfect subtrees' hashes, in the order
    /// `perfect_subtrees(0..size)` names them.
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Option<Frontier> {
        (peaks.len() == perfect_subtrees(0..size).len()).then_some(Frontier { size, peaks })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn root(&self) -> Hash {
        fold_right(&self.peaks)
    }

    /// Appends a leaf (its hash), answering every perfect subtree it completes as
    /// `(level, index, hash)`: the leaf itself first, at level 0.
    pub fn push(&mut self, leaf: Hash) -> Vec<(u32, u64, Hash)> {
        let mut done = vec![(0, self.size, leaf)];
        let (mut hash, mut level, mut index) = (leaf, 0, self.size);
        while index & 1 == 1 {
            let left = self.peaks.pop().expect("a left sibling for a right child");
            hash = node_hash(&left, &hash);
            level += 1;
            index >>= 1;
            done.push((level, index, hash));
        }
        self.peaks.push(hash);
        self.size += 1;
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(hex_str: &str) -> Hash {
        hex::decode(hex_str).unwrap().try_into().unwrap()
    }

    /// The leaves of the RFC 6962 test vectors (transparency-dev/merkle testonly, the same as
    /// certificate-transparency-go's).
    fn leaves() -> Vec<Hash> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|d| leaf_hash(&hex::decode(d).unwrap()))
        .collect()
    }

    /// The roots of the trees of the first 0, 1, … 8 leaves.
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn root_of(size: usize) -> Hash {
        h(ROOTS[size])
    }

    #[test]
    fn roots_are_rfc_6962s_for_every_size() {
        let leaves = leaves();
        for size in 0..=8 {
            assert_eq!(root(&leaves[..size]), root_of(size), "size {size}");
        }
    }

    #[test]
    fn the_frontier_gives_the_same_roots_and_every_perfect_subtree() {
        let leaves = leaves();
        let mut frontier = Frontier::default();
        let mut completed = Vec::new();
        assert_eq!(frontier.root(), root_of(0));
        for (i, leaf) in leaves.iter().enumerate() {
            completed.extend(frontier.push(*leaf));
            assert_eq!(frontier.root(), root_of(i + 1), "size {}", i + 1);
        }
        // The node hashes of transparency-dev/merkle's NodeHashes, one per perfect subtree.
        let find = |level, index| completed.iter().find(|c| (c.0, c.1) == (level, index));
        assert_eq!(find(1, 0).unwrap().2, root_of(2));
        assert_eq!(
            find(1, 3).unwrap().2,
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0")
        );
        assert_eq!(
            find(2, 1).unwrap().2,
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")
        );
        assert_eq!(find(3, 0).unwrap().2, root_of(8));
        assert_eq!(completed.len(), 8 + 4 + 2 + 1);
        // Rebuilt from its peaks, as the endpoint does, it goes on the same.
        let peaks = perfect_subtrees(0..7)
            .iter()
            .map(|&(l, i)| find(l, i).unwrap().2)
            .collect();
        let mut again = Frontier::from_peaks(7, peaks).unwrap();
        again.push(leaves[7]);
        assert_eq!(again.root(), root_of(8));
    }

    /// (leaf index, tree size, proof) from transparency-dev/merkle proof/verify_test.go.
    fn inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
        vec![
            (0, 1, vec![]),
            (
                0,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                5,
                8,
                vec![
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                3,
                vec![h(
                    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                )],
            ),
            (
                1,
                5,
                vec![
                    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
        ]
    }

    /// (old size, new size, proof) from transparency-dev/merkle proof/verify_test.go.
    fn consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
        vec![
            (1, 1, vec![]),
            (
                1,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                6,
                8,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                5,
                vec![
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
            (
                6,
                7,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
        ]
    }

    #[test]
    fn inclusion_proofs_are_the_reference_ones_and_verify() {
        let leaves = leaves();
        for (index, size, want) in inclusion_vectors() {
            let tree = &leaves[..size as usize];
            assert_eq!(inclusion_proof(index, tree), want, "{index} in {size}");
            let root = root_of(size as usize);
            let leaf = leaves[index as usize];
            assert_eq!(verify_inclusion(index, size, &leaf, &want, &root), Ok(()));
            // Another leaf, another index, a flipped bit: refused.
            let other = leaves[(index as usize + 1) % 8];
            assert!(verify_inclusion(index, size, &other, &want, &root).is_err());
            assert!(verify_inclusion(index + 1, size, &leaf, &want, &root).is_err());
            for i in 0..want.len() {
                let mut bad = want.clone();
                bad[i][0] ^= 8;
                assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
            }
        }
    }

    #[test]
    fn consistency_proofs_are_the_reference_ones_and_verify() {
        let leaves = leaves();
        for (old, new, want) in consistency_vectors() {
            let got = consistency_proof(old, &leaves[..new as usize]);
            assert_eq!(got, want, "{old} → {new}");
            let (r1, r2) = (root_of(old as usize), root_of(new as usize));
            assert_eq!(verify_consistency(old, &r1, new, &r2, &want), Ok(()));
            if want.is_empty() {
                continue;
            }
            // The corruptions transparency-dev/merkle tries: each is refused.
            let mut bad: Vec<(u64, Hash, u64, Hash, Vec<Hash>)> = vec![
                (old - 1, r1, new, r2, want.clone()),
                (old + 1, r1, new, r2, want.clone()),
                (old ^ 2, r1, new, r2, want.clone()),
                (old, r1, new * 2, r2, want.clone()),
                (old, r1, new / 2, r2, want.clone()),
                (old, r2, new, r1, want.clone()),
                (old, root_of(0), new, r2, want.clone()),
                (old, r1, new, r2, vec![]),
                (old, r1, new, r2, [want.clone(), vec![r1]].concat()),
                (old, r1, new, r2, [vec![r2], want.clone()].concat()),
                (old, r1, new, r2, want[..want.len() - 1].to_vec()),
            ];
            for i in 0..want.len() {
                let mut flipped = want.clone();
                flipped[i][0] ^= 16;
                bad.push((old, r1, new, r2, flipped));
            }
            for (o, ro, n, rn, p) in bad {
                assert!(
                    verify_consistency(o, &ro, n, &rn, &p).is_err(),
                    "{o} → {n} with {} hashes",
                    p.len()
                );
            }
        }
    }

    #[test]
    fn every_pair_of_sizes_proves_and_a_changed_leaf_does_not() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for new in 1..=40u64 {
            let tree = &leaves[..new as usize];
            let new_root = root(tree);
            for old in 0..=new {
                let old_root = root(&leaves[..old as usize]);
                let proof = consistency_proof(old, tree);
                assert_eq!(
                    verify_consistency(old, &old_root, new, &new_root, &proof),
                    Ok(()),
                    "{old} → {new}"
                );
                if old > 0 {
                    // The same sizes over a history with one leaf rewritten: refused.
                    let mut rewritten = tree.to_vec();
                    rewritten[(old - 1) as usize] = leaf_hash(b"rewritten");
                    let proof = consistency_proof(old, &rewritten);
                    assert_eq!(
                        verify_consistency(old, &old_root, new, &root(&rewritten), &proof),
                        Err(ProofError::Mismatch),
                        "{old} → {new} rewritten"
                    );
                }
            }
            for index in 0..new {
                let proof = inclusion_proof(index, tree);
                let leaf = &tree[index as usize];
                assert_eq!(
                    verify_inclusion(index, new, leaf, &proof, &new_root),
                    Ok(())
                );
            }
        }
    }

    #[test]
    fn a_subtree_is_its_perfect_parts_folded_from_the_right() {
        let leaves: Vec<Hash> = (0u32..13).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        assert_eq!(perfect_subtrees(0..13), vec![(3, 0), (2, 2), (0, 12)]);
        assert_eq!(perfect_subtrees(8..13), vec![(2, 2), (0, 12)]);
        let perfect = |(level, index): (u32, u64)| {
            let start = (index << level) as usize;
            root(&leaves[start..start + (1usize << level)])
        };
        for range in [0..13, 8..13, 12..13, 4..8] {
            let parts: Vec<Hash> = perfect_subtrees(range.clone())
                .into_iter()
                .map(perfect)
                .collect();
            assert_eq!(fold_right(&parts), range_hash(&leaves, range));
        }
    }
}
