using System.CommandLine;
using System.CommandLine.Parsing;

namespace Bucketfs.Cli;

/// <summary>
/// System.CommandLine's own parse errors (an unknown option or argument, a missing argument) as
/// the one line bucketfs prints for every usage error, instead of its message followed
/// by the whole help text.
/// </summary>
internal static class ParseErrors
{
    public static string Describe(ParseResult result)
    {
        var error = result.Errors[0];
        string message = error.SymbolResult is ArgumentResult { Tokens.Count: 0 } missing
            ? $"missing <{missing.Argument.Name}>"
            : char.ToLowerInvariant(error.Message[0]) + error.Message[1..].TrimEnd('.');
        // Errors of a command or its arguments are about how it is called, which its usage line shows.
        return error.SymbolResult is CommandResult or ArgumentResult { Parent: CommandResult }
            ? $"{message} (see '{Path(result.CommandResult)} --help')"
            : message;
    }

    private static string Path(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? at = command; at is CommandResult { Parent: not null } sub; at = sub.Parent)
            names.Insert(0, sub.Command.Name);
        return string.Join(' ', ["bucketfs", .. names]);
    }
}
