package converge

import "github.com/palletops/pallet/lift"

// Document is the JSON form of a converge: lift's document (schema
// pallet-run/v1, command "converge", every node's phases) plus what
// converge changed.
type Document struct {
	lift.Document
	// Created, Destroyed and Bootstrapped name the nodes this run made,
	// removed and bootstrapped.
	Created      []string `json:"created"`
	Destroyed    []string `json:"destroyed"`
	Bootstrapped []string `json:"bootstrapped"`
	// Problems are failures not tied to a node run: creates that failed,
	// nodes that could not be destroyed.
	Problems []string `json:"problems"`
	// NotChecked, in check mode, says what was not checked: nodes to be
	// created or destroyed (see Plan.NotChecked); empty otherwise.
	NotChecked []string `json:"not_checked"`
	// Ran is each phase that ran and on how many nodes, in pass order.
	Ran  []PhaseRun `json:"ran"`
	Plan *Plan      `json:"plan"`
}

// Document returns the report's JSON form.
func (r *Report) Document() Document {
	d := Document{Document: r.Lift.Document(), Created: []string{}, Destroyed: []string{}, Bootstrapped: []string{}, Problems: []string{}, Ran: r.Ran(), Plan: r.Plan}
	d.OK = r.OK()
	d.NotChecked = []string{}
	if r.Check {
		d.NotChecked = r.Plan.NotChecked()
	}
	for _, n := range r.Created {
		d.Created = append(d.Created, n.Name)
	}
	for _, n := range r.Destroyed {
		d.Destroyed = append(d.Destroyed, n.Name)
	}
	for _, n := range r.Lift.Nodes {
		if n.Bootstrapped {
			d.Bootstrapped = append(d.Bootstrapped, n.Node.Name)
		}
	}
	for _, e := range r.Problems {
		d.Problems = append(d.Problems, e.Error())
	}
	return d
}
