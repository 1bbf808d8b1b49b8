/// <reference types="mocha" />
// A Jupyter notebook in the built-in notebook editor (no kernel): its code cells are one program, so the Linear built
// in one cell is checked against the input of a later cell, and the findings, hovers and hints land in the right cell.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, convLensDiagnostics, diagnosticsWhere, fixture, hoverText, positionOf, waitFor } from './helpers';

/** Cell 1 imports, cell 2 is markdown, cell 3 builds the model (its Linear written for 28x28), cell 4 makes a
 * 32x32 batch, cell 5 runs the model on it; IPython lines in cells 3 and 4 (as test/notebooks/linear_too_small). */
const NOTEBOOK = 'notebook_linear_too_small.ipynb';

async function replaceInCell(document: vscode.TextDocument, from: string, to: string): Promise<void> {
  const start = positionOf(document, from);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(start, start.translate(0, from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

suite('Conv Lens in a notebook', () => {
  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    await extension.activate();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the Linear of the model cell errs with the later cell\'s 32x32 input, in the model cell at its line', async () => {
    const nb = await vscode.workspace.openNotebookDocument(fixture(NOTEBOOK));
    await vscode.window.showNotebookDocument(nb);
    const modelCell = nb.cellAt(2).document;
    const runCell = nb.cellAt(4).document;
    const diagnostics = await diagnosticsWhere(modelCell.uri, (d) => d.some((x) => x.severity === vscode.DiagnosticSeverity.Error), 'the Linear error in cell 3');
    const error = diagnostics.find((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.ok(error);
    assert.match(error.message, /Linear expects 1568 input features but receives 2048/);
    assert.equal(error.range.start.line, positionOf(modelCell, 'nn.Linear').line);
    // "applied here" points at the call in cell 5.
    const applied = error.relatedInformation?.find((r) => /applied here/.test(r.message));
    assert.ok(applied, JSON.stringify(error.relatedInformation));
    assert.equal(applied.location.uri.toString(), runCell.uri.toString());
    assert.equal(applied.location.range.start.line, positionOf(runCell, 'model(batch)').line);
    // The other cells (IPython lines included) have no findings of their own.
    for (const index of [0, 3, 4]) assert.deepEqual(convLensDiagnostics(nb.cellAt(index).document.uri).map((d) => d.message), [], `cell ${index + 1}`);

    // A hover in the model cell shows the shape the later cell's input gives.
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', modelCell.uri, positionOf(modelCell, 'nn.Conv2d', 4));
    assert.match(hoverText(hovers), /\[4, 8, 32, 32\]/);
  });

  test('editing the input cell re-analyses the model cell: a 28x28 batch clears its error', async () => {
    const nb = await vscode.workspace.openNotebookDocument(fixture(NOTEBOOK));
    await vscode.window.showNotebookDocument(nb);
    const modelCell = nb.cellAt(2).document;
    const inputCell = nb.cellAt(3).document;
    await diagnosticsWhere(modelCell.uri, (d) => d.length > 0, 'the Linear error in cell 3');
    await replaceInCell(inputCell, 'torch.randn(4, 3, 32, 32)', 'torch.randn(4, 3, 28, 28)');
    try {
      await diagnosticsWhere(modelCell.uri, (d) => d.length === 0, 'the error in cell 3 to go after cell 4 changed');
    } finally {
      await replaceInCell(inputCell, 'torch.randn(4, 3, 28, 28)', 'torch.randn(4, 3, 32, 32)');
      await nb.save();
    }
    await waitFor('the error to come back', () => (convLensDiagnostics(modelCell.uri).length > 0 ? true : undefined));
  });
});
