package example.grades

final case class Student(name: String, scores: List[Int])

object Grades {
  def average(scores: List[Int]): Option[Double] =
    if (scores.isEmpty) None else Some(scores.sum.toDouble / scores.size)

  def letter(score: Double): String = score match {
    case s if s >= 90 => "A"
    case s if s >= 80 => "B"
    case s if s >= 70 => "C"
    case _            => "F"
  }

  def honourRoll(students: List[Student], minimum: Double): List[String] = {
    val names = scala.collection.mutable.ListBuffer.empty[String]
    for (student <- students) {
      average(student.scores) match {
        case Some(avg) if avg >= minimum && student.scores.forall(_ >= 60) =>
          names += student.name
        case _ =>
      }
    }
    names.toList.sorted
  }

  def parseScores(line: String): Either[String, List[Int]] = {
    val parts = line.split(",").map(_.trim).filter(_.nonEmpty)
    try {
      val scores = parts.map(_.toInt).toList
      if (scores.exists(s => s < 0 || s > 100)) Left(s"score out of range in '$line'")
      else Right(scores)
    } catch {
      case e: NumberFormatException => Left(e.getMessage)
    }
  }
}

class Gradebook(private var students: Map[String, Student]) {
  def record(name: String, score: Int): Unit = {
    val current = students.getOrElse(name, Student(name, Nil))
    students = students.updated(name, current.copy(scores = score :: current.scores))
  }
}
