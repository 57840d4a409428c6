namespace Bucketfs.Cli.Operations;

/// <summary>What a running mount tells `bucketfs stats` about itself: who it is, its figures, and the files it has not uploaded yet.</summary>
internal sealed record MountStatus(
    string Mountpoint, string Source, int Pid, DateTimeOffset Started, string? LogFile,
    FiguresSnapshot Figures, IReadOnlyList<string> PendingUploads);
