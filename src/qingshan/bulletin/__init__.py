"""The two monthly bulletins (assessment-bulletin.md §4): data assembly, .docx and HTML, snapshots."""
