namespace Bucketfs.Cli;

/// <summary>What the command's exit status tells a script or mount(8).</summary>
internal static class ExitCodes
{
    /// <summary>It was asked for and could not be done (store, credentials, mountpoint, a busy unmount).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: an unknown option, a missing argument, a value an option does not take.</summary>
    public const int Usage = 2;

    /// <summary>Says why on one line of stderr and returns <see cref="Failure"/>.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"bucketfs: {message}");
        return Failure;
    }
}
