package io.corvid.cluster;

import java.util.List;

/**
 * A membership view as JGroups reports it: an id that identifies the view, the members in
 * JGroups order (the first is the coordinator) and whether it is a merge view (MERGE3 healed a
 * partition). The adapter maps JGroups addresses to {@link NodeId}s.
 */
public record View(long id, List<NodeId> members, boolean merge) {
  public View {
    members = List.copyOf(members);
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a view has at least one member");
    }
  }

  public NodeId coordinator() {
    return members.get(0);
  }

  public boolean contains(NodeId id) {
    return members.contains(id);
  }
}
