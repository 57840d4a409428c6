namespace Bucketfs.Cli.Credentials;

/// <summary>
/// s3fs's passwd file: lines ACCESS:SECRET (any bucket) or BUCKET:ACCESS:SECRET (that bucket only;
/// the bucket ends at the first ':' and the secret starts after the last, so Swift's ACCOUNT:USER
/// keys fit); blank lines and lines starting with '#' are ignored. Permissions follow s3fs: never
/// open to others nor executable, and open to the group only for /etc/passwd-s3fs (read, 640). A
/// malformed line is an error rather than something skipped.
/// </summary>
internal static class PasswdFile
{
    /// <summary>The key pair a passwd file gives for one bucket. ToString never shows the secret.</summary>
    internal sealed class Entry(string accessKey, string secretKey, string? bucket, int line)
    {
        public string AccessKey { get; } = accessKey;
        public string SecretKey { get; } = secretKey;
        /// <summary>The bucket of a BUCKET:ACCESS:SECRET line; null for a bare ACCESS:SECRET line.</summary>
        public string? Bucket { get; } = bucket;
        public int Line { get; } = line;

        public override string ToString() => Bucket is null ? $"line {Line} (any bucket)" : $"line {Line} (bucket {Bucket})";
    }

    /// <summary>s3fs's rules, in its words: what is wrong with <paramref name="mode"/>, or null.</summary>
    internal static string? PermissionProblem(UnixFileMode mode, bool systemFile)
    {
        const UnixFileMode Others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        const UnixFileMode Group = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
        if ((mode & Others) != 0) return "must not be accessible by others (chmod 600)";
        if (systemFile ? (mode & UnixFileMode.GroupWrite) != 0 : (mode & Group) != 0)
            return systemFile ? "must not be writable by its group (chmod 640)" : "must not be accessible by its group (chmod 600; only /etc/passwd-s3fs may be 640)";
        if ((mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute)) != 0) return "must not be executable (chmod 600)";
        return null;
    }

    /// <summary>s3fs's system-wide file, the one that may be readable by its group (named so or by -o passwd_file=).</summary>
    public const string SystemPath = "/etc/passwd-s3fs";

    /// <summary>True when the path names something (a file, a directory, a dangling link counts as absent).</summary>
    public static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    /// <summary>
    /// Reads <paramref name="path"/> and returns the entry for <paramref name="bucket"/>: its
    /// BUCKET: line if there is one, else the bare line. Throws <see cref="CredentialException"/>
    /// for a missing, unreadable, group/other-accessible, malformed or (for this bucket) empty file.
    /// </summary>
    /// <param name="systemFile">True for the system-wide file (<see cref="SystemPath"/>), which may be open to its group for reading.</param>
    public static Entry Read(string path, string bucket, bool systemFile)
    {
        if (Directory.Exists(path)) throw new CredentialException($"passwd file {path} is a directory");
        if (!File.Exists(path)) throw new CredentialException($"passwd file {path} does not exist");

        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialException($"cannot read passwd file {path}: {CredentialException.Unreadable(e)}");
        }
        if (PermissionProblem(mode, systemFile) is { } problem) throw new CredentialException($"passwd file {path} {problem}");

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CredentialException($"cannot read passwd file {path}: permission denied");
        }
        catch (IOException e)
        {
            // IOException messages name the path, never the contents.
            throw new CredentialException($"cannot read passwd file {path}: {e.Message}");
        }

        Entry? forBucket = null, bare = null;
        for (int i = 0; i < lines.Length; i++)
        {
            int number = i + 1;
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.Any(char.IsWhiteSpace))
                throw new CredentialException($"passwd file {path} line {number}: whitespace inside the line (expected ACCESS:SECRET or BUCKET:ACCESS:SECRET)");
            if (line[0] == '[')
                throw new CredentialException($"passwd file {path} line {number}: a [section] header; this is an s3fs passwd file, not ~/.aws/credentials (use --profile for those)");

            int first = line.IndexOf(':'), last = line.LastIndexOf(':');
            string[] fields = first == last ? line.Split(':') : [line[..first], line[(first + 1)..last], line[(last + 1)..]];
            if (first < 0 || fields.Any(f => f.Length == 0))
                throw new CredentialException($"passwd file {path} line {number}: expected ACCESS:SECRET or BUCKET:ACCESS:SECRET");

            if (fields.Length == 2)
            {
                if (bare is not null)
                    throw new CredentialException($"passwd file {path} line {number}: a second ACCESS:SECRET line (the first is line {bare.Line})");
                bare = new Entry(fields[0], fields[1], null, number);
            }
            else if (fields[0] == bucket)
            {
                if (forBucket is not null)
                    throw new CredentialException($"passwd file {path} line {number}: a second line for bucket {bucket} (the first is line {forBucket.Line})");
                forBucket = new Entry(fields[1], fields[2], fields[0], number);
            }
        }

        return forBucket ?? bare ?? throw new CredentialException(
            $"passwd file {path} has no line for bucket {bucket} (BUCKET:ACCESS:SECRET) and no ACCESS:SECRET line for all buckets");
    }
}
