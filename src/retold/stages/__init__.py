"""The decisions of retold, as pure functions over plain arrays.

Every engine (the local one, the incremental index, Spark partitions, the service) runs these
same functions and only moves data between them: no stage reads a path, starts a thread, draws
progress or touches SQLite. Where a stage needs text or parallelism it takes a callable from
its caller.

=============  ==============================================================================
``sign``       texts -> fingerprint columns of a plan (site furniture masked first)
``exact``      (content hash, token count) -> the representative of each exact group
``candidates`` band keys, anchors and content words -> pairs worth verifying (the one rule)
``decide``     shingle sequences of candidate pairs -> scores, kind, token passages
``assemble``   token passages -> character offsets; source by date; table -> records
``paraphrase`` the paraphrase tier: candidates, lexical screen, model, sentence alignment
=============  ==============================================================================
"""
