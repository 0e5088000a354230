// Yjs, the CRDT every shared text is (the server runs its Rust port, yrs): documents, texts,
// relative positions for carets and highlights, and the per-person undo manager.
export * from 'yjs';
