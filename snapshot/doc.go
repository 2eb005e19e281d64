// Package snapshot translates between a function's online state (FC 3.0 JSON
// documents) and the files that represent it in the user's repository:
// function.toml (configuration and triggers) and the code/ tree (the unpacked
// code zip).
//
// The package knows nothing of git or the network. Its promises, tested with
// generated functions:
//
//   - online -> files -> online sends nothing: Decode(Encode(FromAPI(fn)))
//     is Equal to FromAPI(fn), and its FunctionInput holds exactly the fields
//     of fc.Function.Input() (minus functionName/code/tags) whose values are not
//     FC's default or empty shape, with equal values.
//   - files -> online -> files changes no byte: for a canonical file,
//     Encode(FromAPI(what FC returns for Decode(file).FunctionInput()),
//     prev = Decode(file)) is the file again.
//
// "Defaults are not state": a key that is absent on one side and at FC's
// default or empty shape on the other is equal (see defaults.go for the
// table), and Encode keeps the previous file's choice of writing or omitting
// such keys so a push followed by a fetch does not churn the file.
package snapshot
