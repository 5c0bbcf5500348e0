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
id!(
    /// An engine's job, reading the topic as a consumer of its own.
    EngineId
);

/// Who sends a consumer fetch: a member of the consumer group, or an engine's own consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConsumerId {
    Member(MemberId),
    Engine(EngineId),
}

impl From<MemberId> for ConsumerId {
    fn from(m: MemberId) -> ConsumerId {
        ConsumerId::Member(m)
    }
}

impl From<EngineId> for ConsumerId {
    fn from(e: EngineId) -> ConsumerId {
        ConsumerId::Engine(e)
    }
}

/// Where a fetch reads a partition from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchPosition {
    pub partition: PartitionId,
    pub offset: Offset,
}

/// What a replica fetch answer says of one partition: the leader's epoch and log end offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaEnd {
    pub partition: PartitionId,
    pub leader_epoch: u32,
    pub log_end: Offset,
}

/// A position in a partition's log: the offset of a record, or of the next record to read. A log's end,
/// its high watermark and a group's committed offsets are all of this kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Offset(pub u64);

impl Offset {
    pub const ZERO: Offset = Offset(0);

    /// The offset `n` records further on.
    pub const fn plus(self, n: u32) -> Offset {
        Offset(self.0 + n as u64)
    }

    /// The offset of the record after this one.
    pub const fn next(self) -> Offset {
        self.plus(1)
    }

    /// How many records lie from here up to `later`; none when `later` is not further on.
    pub const fn distance_to(self, later: Offset) -> u64 {
        later.0.saturating_sub(self.0)
    }
}
