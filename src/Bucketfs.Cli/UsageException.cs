namespace Bucketfs.Cli;

/// <summary>Bad command-line input: printed as one line, exit code <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);
