// Package layering holds the test that keeps netpolc's package layers
// honest (see ARCHITECTURE.md): base → ir → {language, model, targets} →
// {app, gate, analysis, report} → cli, with the test kits above all of
// them. A package imports only packages of lower layers, or of its own;
// language, model and targets never import each other (the model reads a
// target's objects through the target's API-types sub-package, which is
// part of the ir layer), so an emitter and the interpreter that proves it
// share no code. The package has no code of its own.
package layering
