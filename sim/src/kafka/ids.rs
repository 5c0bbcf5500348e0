//! Identifier newtypes: a broker, a partition, a producer and a group member are each numbered from 0,
//! and a type keeps one from being taken for another.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// Its position in the vectors that hold one entry per id.
            pub const fn index(self) -> usize {
                self.0 as usize
            }

            /// The ids 0..n.
            pub fn all(n: usize) -> impl Iterator<Item = $name> {
                (0..n as u32).map($name)
            }
        }
    };
}

id!(
    /// A broker (node.id).
    BrokerId
);
id!(
    /// A partition of the topic.
    PartitionId
);
id!(
    /// A producer client.
    ProducerId
);
id!(
    /// A consumer group member.
    MemberId
);

/// Where a fetch reads a partition from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchPosition {
    pub partition: PartitionId,
    pub offset: u64,
}

/// What a replica fetch answer says of one partition: the leader's epoch and log end offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaEnd {
    pub partition: PartitionId,
    pub leader_epoch: u32,
    pub log_end: u64,
}

/// A position in a partition's log: the offset of a record, or of the next record to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Offset(pub u64);

impl Offset {
    /// The offset `n` records further on.
    pub const fn plus(self, n: u64) -> Offset {
        Offset(self.0 + n)
    }
}
