package org.cutover.jgroups.raft;

/** a non-voting member (RAFT's Learner, which is final): the checked follower under the learner's name */
final class CheckedLearner extends CheckedFollower {

    CheckedLearner(CheckedRAFT raft) {
        super(raft);
    }
}
