package com.example.tasks

data class Task(val id: Int, val title: String, val done: Boolean, val tags: List<String>)

class TaskBoard(private val tasks: MutableList<Task> = mutableListOf()) {

    fun add(title: String, tags: List<String> = emptyList()): Task {
        require(title.isNotBlank()) { "title must not be blank" }
        val task = Task(nextId(), title.trim(), false, tags)
        tasks.add(task)
        return task
    }

    fun complete(id: Int): Boolean {
        val index = tasks.indexOfFirst { it.id == id }
        if (index < 0 || tasks[index].done) {
            return false
        }
        tasks[index] = tasks[index].copy(done = true)
        return true
    }

    fun byTag(tag: String?): List<Task> {
        val result = mutableListOf<Task>()
        for (task in tasks) {
            if (tag == null || tag in task.tags) {
                result.add(task)
            }
        }
        return result
    }

    private fun nextId(): Int = (tasks.maxOfOrNull { it.id } ?: 0) + 1
}

fun summary(tasks: List<Task>): String {
    val open = tasks.count { !it.done }
    val label = when {
        tasks.isEmpty() -> "empty"
        open == 0 -> "all done"
        open > 10 -> "busy"
        else -> "in progress"
    }
    return if (open > 0) "$label ($open open)" else label
}
